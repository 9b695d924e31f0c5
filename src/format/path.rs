//! Field paths and their interning.
//!
//! A field path says where in a record a value sits, the same way for every
//! format (`$.customers[*].contact.email`, `$.email` for a CSV column). An
//! extractor builds the path of each value in a reused buffer and interns it
//! here, so each distinct path is stored once per unit of work and the
//! detector's field context is computed once per path.

use rustc_hash::FxHashMap;

/// Index of an interned field path in a [`FieldTable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldId(pub u32);

/// One interned field.
#[derive(Debug, Clone)]
pub struct Field {
    /// The field path, e.g. `$.user.email`.
    pub path: String,
    /// The name field hints look at: the last two object keys of the path,
    /// joined by `.` (`user.email` for `$.user.email`, `user.emails` for
    /// `$.user.emails[*]`); a CSV column's header name.
    pub key: Vec<u8>,
}

/// The distinct field paths seen in one unit of work.
#[derive(Debug, Default)]
pub struct FieldTable {
    ids: FxHashMap<Vec<u8>, FieldId>,
    fields: Vec<Field>,
}

impl FieldTable {
    /// Returns the id of `path`, interning it (with its last `key`) on first
    /// sight.
    pub fn intern(&mut self, path: &[u8], key: &[u8]) -> FieldId {
        if let Some(&id) = self.ids.get(path) {
            return id;
        }
        let id = FieldId(self.fields.len() as u32);
        self.fields.push(Field {
            path: String::from_utf8_lossy(path).into_owned(),
            key: key.to_vec(),
        });
        self.ids.insert(path.to_vec(), id);
        id
    }

    /// The field with this id.
    pub fn get(&self, id: FieldId) -> &Field {
        &self.fields[id.0 as usize]
    }

    /// Number of distinct fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when no field was interned.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

/// Appends an object key to a path: `.key` for plain identifiers,
/// `['key']` (with `'` and `\` escaped) for anything else.
pub fn push_key(path: &mut Vec<u8>, key: &[u8]) {
    let plain = !key.is_empty()
        && key
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'@' || b == b'$');
    if plain {
        path.push(b'.');
        path.extend_from_slice(key);
        return;
    }
    path.extend_from_slice(b"['");
    for &b in key {
        if b == b'\'' || b == b'\\' {
            path.push(b'\\');
        }
        path.push(b);
    }
    path.extend_from_slice(b"']");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_that_are_not_identifiers_use_brackets() {
        let mut p = b"$".to_vec();
        push_key(&mut p, b"user");
        push_key(&mut p, b"First Name");
        push_key(&mut p, b"it's");
        assert_eq!(p, b"$.user['First Name']['it\\'s']");
    }

    #[test]
    fn interning_returns_the_same_id_for_the_same_path() {
        let mut t = FieldTable::default();
        let a = t.intern(b"$.a", b"a");
        let b = t.intern(b"$.b", b"b");
        assert_ne!(a, b);
        assert_eq!(t.intern(b"$.a", b"a"), a);
        assert_eq!(t.get(b).path, "$.b");
        assert_eq!(t.len(), 2);
    }
}
