//! Field paths and their interning.
//!
//! A field path says where in a record a value sits, the same way for every
//! format (`$.customers[*].contact.email`, `$.email` for a CSV column).
//! Paths form a tree: an extractor holds the [`FieldId`] of the container
//! it is in and asks for the child by key (or for the array-element
//! child), so a value's field is one small lookup among its siblings, and a
//! path string is built only the first time a field is seen. The
//! detector's field context is then computed once per field.

use std::sync::atomic::{AtomicU64, Ordering};

/// Index of an interned field path in a [`FieldTable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldId(pub u32);

/// One step down a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment<'a> {
    /// An object key or a column name (decoded).
    Key(&'a [u8]),
    /// Any element of an array (`[*]`).
    Element,
    /// A column without a name, by zero-based index (`[7]`).
    Column(usize),
    /// A named parameter: a query or form parameter, a header, a cookie
    /// (`[email]`, `[Authorization]`).
    Param(&'a [u8]),
    /// A document embedded in the value (JSON inside a string, a JWT's
    /// claims): `…text$.customer.email`.
    Document,
}

/// One interned field.
#[derive(Debug, Clone)]
pub struct Field {
    /// The field path, e.g. `$.user.email`.
    pub path: String,
    /// The name field hints look at: the last two object keys of the path,
    /// joined by `.` (`user.email` for `$.user.email`, `user.emails` for
    /// `$.user.emails[*]`); a CSV column's header name.
    pub key: Vec<u8>,
    last: Vec<u8>,
    children: hashbrown::HashMap<Box<[u8]>, (FieldId, usize), rustc_hash::FxBuildHasher>,
    /// Keyed children in first-seen order, and where the next key of the
    /// current object is expected: records of one shape repeat their keys
    /// in the same order, so most lookups are one short comparison.
    order: Vec<Keyed>,
    cursor: usize,
    /// Named parameters in first-seen order (by name, unescaped), and
    /// where the next is expected: a HAR entry's headers come in the
    /// order of the entry before's, so most are found by one comparison
    /// instead of a label built and hashed (`child` was 3% of a HAR
    /// scan's instructions).
    params: Vec<(Box<[u8]>, FieldId)>,
    param_cursor: usize,
    /// The embedded document below this field.
    document: Option<FieldId>,
    element: Option<FieldId>,
    /// The field one segment up and how this one hangs from it (`None`
    /// for the root).
    up: Option<(FieldId, Link)>,
}

/// How a field hangs from its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// A member of an object (`Segment::Key`).
    Member,
    /// An element of an array (`Segment::Element`).
    Element,
    /// Any other segment (a column, a parameter, a document).
    Other,
}

/// A keyed child in [`Field::order`].
#[derive(Debug, Clone)]
struct Keyed {
    key: Box<[u8]>,
    id: FieldId,
    /// The key has no `\\`, so raw JSON bytes equal to it and followed by
    /// `"` are this key (see [`FieldTable::expected`]).
    plain: bool,
    /// A plain key of at most 15 bytes followed by `"`, zero-padded: it
    /// is compared with sixteen bytes of input at once.
    quoted: Option<[u8; 16]>,
}

impl Keyed {
    fn new(key: &[u8], id: FieldId) -> Self {
        let plain = !key.contains(&b'\\');
        let quoted = (plain && key.len() < 16).then(|| {
            let mut q = [0u8; 16];
            q[..key.len()].copy_from_slice(key);
            q[key.len()] = b'"';
            q
        });
        Keyed {
            key: key.into(),
            id,
            plain,
            quoted,
        }
    }
}

/// A key expected next, as [`FieldTable::expected`] gives it.
#[derive(Debug, Clone, Copy)]
pub struct ExpectedKey<'a> {
    /// The key (it holds no backslash).
    pub key: &'a [u8],
    /// The key and a closing `"`, zero-padded, when that fits 16 bytes.
    pub quoted: Option<&'a [u8; 16]>,
}

/// The distinct field paths seen in one unit of work. Id 0 is the root `$`.
#[derive(Debug)]
pub struct FieldTable {
    fields: Vec<Field>,
    /// A parameter's or column's label, built here to be looked up (one
    /// allocation per header of every HAR entry, before).
    label: Vec<u8>,
    /// Unique among the tables of a run: what holds field ids apart from
    /// the table (the JSON reader's record shapes) tells by it whether
    /// they are still this table's.
    id: u64,
}

impl Default for FieldTable {
    fn default() -> Self {
        FieldTable {
            fields: vec![Field {
                path: "$".to_string(),
                key: Vec::new(),
                last: Vec::new(),
                children: Default::default(),
                order: Vec::new(),
                cursor: 0,
                params: Vec::new(),
                param_cursor: 0,
                document: None,
                element: None,
                up: None,
            }],
            label: Vec::new(),
            id: NEXT_TABLE.fetch_add(1, Ordering::Relaxed),
        }
    }
}

static NEXT_TABLE: AtomicU64 = AtomicU64::new(1);

impl FieldTable {
    /// The root field `$`.
    pub const ROOT: FieldId = FieldId(0);

    /// This table's identity: no other table of the run has it.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Says that a new object of field `parent` starts: its first key is
    /// expected to be the first key seen in earlier objects.
    pub fn start_object(&mut self, parent: FieldId) {
        self.fields[parent.0 as usize].cursor = 0;
    }

    /// The key expected next in the current object of `parent` and its
    /// field, when the key holds no backslash: then raw JSON bytes equal
    /// to it, followed by a `"`, are that key unescaped, and the reader
    /// can match them without looking for the string's end. Taken with
    /// [`FieldTable::take_expected`].
    #[inline]
    pub fn expected(&self, parent: FieldId) -> Option<(ExpectedKey<'_>, FieldId)> {
        let p = &self.fields[parent.0 as usize];
        match p.order.get(p.cursor) {
            Some(k) if k.plain => Some((
                ExpectedKey {
                    key: &k.key,
                    quoted: k.quoted.as_ref(),
                },
                k.id,
            )),
            _ => None,
        }
    }

    /// The expected key of `parent` was met: the same as
    /// [`FieldTable::child`] with it, which returns the id `expected`
    /// gave.
    #[inline]
    pub fn take_expected(&mut self, parent: FieldId) {
        self.fields[parent.0 as usize].cursor += 1;
    }

    /// The field one segment above `id` and how `id` hangs from it;
    /// `None` for the root.
    #[inline]
    pub fn up(&self, id: FieldId) -> Option<(FieldId, Link)> {
        self.fields[id.0 as usize].up
    }

    /// The child of `parent` one segment down, interned on first sight.
    pub fn child(&mut self, parent: FieldId, segment: Segment<'_>) -> FieldId {
        let p = &mut self.fields[parent.0 as usize];
        let found = match segment {
            Segment::Key(k) => match p.order.get(p.cursor) {
                Some(keyed) if *keyed.key == *k => {
                    let id = keyed.id;
                    p.cursor += 1;
                    Some(id)
                }
                _ => p.children.get(&Bytes(k)).map(|&(id, at)| {
                    p.cursor = at + 1;
                    id
                }),
            },
            Segment::Element => p.element,
            Segment::Column(i) => {
                self.label.clear();
                write_column_label(i, &mut self.label);
                p.children.get(&self.label[..]).map(|&(id, _)| id)
            }
            Segment::Param(name) => {
                // The one expected next, or the first (a new list).
                let expected = [p.param_cursor, 0]
                    .into_iter()
                    .find(|&at| p.params.get(at).is_some_and(|(n, _)| **n == *name));
                match expected {
                    Some(at) => {
                        p.param_cursor = at + 1;
                        Some(p.params[at].1)
                    }
                    None => {
                        self.label.clear();
                        write_param_label(name, &mut self.label);
                        p.children.get(&self.label[..]).map(|&(id, at)| {
                            p.param_cursor = at + 1;
                            id
                        })
                    }
                }
            }
            Segment::Document => p.document,
        };
        if let Some(id) = found {
            return id;
        }
        self.intern(parent, segment)
    }

    fn intern(&mut self, parent: FieldId, segment: Segment<'_>) -> FieldId {
        let id = FieldId(self.fields.len() as u32);
        let p = &self.fields[parent.0 as usize];
        let mut path = p.path.clone().into_bytes();
        let (key, last) = match segment {
            Segment::Key(k) => {
                push_key(&mut path, k);
                let mut key = p.last.clone();
                if !key.is_empty() {
                    key.push(b'.');
                }
                key.extend_from_slice(k);
                (key, k.to_vec())
            }
            Segment::Element => {
                path.extend_from_slice(b"[*]");
                (p.key.clone(), p.last.clone())
            }
            Segment::Column(i) => {
                path.extend_from_slice(column_label(i).as_bytes());
                (Vec::new(), Vec::new())
            }
            Segment::Param(name) => {
                path.push(b'[');
                for &b in name {
                    if b == b']' || b == b'\\' {
                        path.push(b'\\');
                    }
                    path.push(b);
                }
                path.push(b']');
                (name.to_vec(), name.to_vec())
            }
            Segment::Document => {
                // The root's own document is the root: a text line that is
                // JSON has fields `$.email`.
                if parent != FieldTable::ROOT {
                    path.push(b'$');
                }
                (p.key.clone(), Vec::new())
            }
        };
        self.fields.push(Field {
            path: String::from_utf8_lossy(&path).into_owned(),
            key,
            last,
            children: Default::default(),
            order: Vec::new(),
            cursor: 0,
            params: Vec::new(),
            param_cursor: 0,
            document: None,
            element: None,
            up: Some((
                parent,
                match segment {
                    Segment::Key(_) => Link::Member,
                    Segment::Element => Link::Element,
                    _ => Link::Other,
                },
            )),
        });
        let p = &mut self.fields[parent.0 as usize];
        match segment {
            Segment::Key(k) => {
                let at = p.order.len();
                p.children.insert(k.into(), (id, at));
                p.order.push(Keyed::new(k, id));
                p.cursor = at + 1;
            }
            Segment::Element => p.element = Some(id),
            Segment::Column(i) => {
                let label: Box<[u8]> = column_label(i).into_bytes().into();
                p.children.insert(label, (id, usize::MAX - 1));
            }
            Segment::Param(name) => {
                let at = p.params.len();
                p.children.insert(param_label(name), (id, at));
                p.params.push((name.into(), id));
                p.param_cursor = at + 1;
            }
            Segment::Document => p.document = Some(id),
        }
        id
    }

    /// The field with this id.
    pub fn get(&self, id: FieldId) -> &Field {
        &self.fields[id.0 as usize]
    }

    /// Number of distinct fields, the root included.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Always false: the root is always there.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

/// Child keys for parameters start with a NUL, which no decoded object
/// key a path shows can be confused with in practice.
fn param_label(name: &[u8]) -> Box<[u8]> {
    let mut l = Vec::with_capacity(name.len() + 2);
    write_param_label(name, &mut l);
    l.into()
}

/// Appends the key a parameter's field is found by among its siblings.
fn write_param_label(name: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(b"\0[");
    out.extend_from_slice(name);
}

fn column_label(i: usize) -> String {
    format!("[{i}]")
}

/// Appends [`column_label`] of `i`.
fn write_column_label(i: usize, out: &mut Vec<u8>) {
    out.push(b'[');
    out.extend_from_slice(itoa::Buffer::new().format(i).as_bytes());
    out.push(b']');
}

/// Appends an object key to a path: `.key` for plain identifiers,
/// `['key']` (with `'` and `\` escaped) for anything else.
pub fn push_key(path: &mut Vec<u8>, key: &[u8]) {
    let plain = !key.is_empty()
        && key.iter().all(|&b| {
            b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'@' || b == b'$'
        });
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

/// A key looked up among a field's children: hashed as the key it
/// stands for, compared by [`super::same_bytes`].
struct Bytes<'a>(&'a [u8]);

impl std::hash::Hash for Bytes<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl hashbrown::Equivalent<Box<[u8]>> for Bytes<'_> {
    fn equivalent(&self, key: &Box<[u8]>) -> bool {
        super::same_bytes(self.0, key)
    }
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
    fn labels_built_in_place_are_the_labels_children_are_kept_by() {
        let mut out = Vec::new();
        for i in [0, 7, 10, 99, 12345, usize::MAX] {
            out.clear();
            write_column_label(i, &mut out);
            assert_eq!(out, column_label(i).as_bytes());
        }
        let mut t = FieldTable::default();
        let a = t.child(FieldTable::ROOT, Segment::Param(b"email"));
        let c = t.child(FieldTable::ROOT, Segment::Column(3));
        assert_eq!(t.child(FieldTable::ROOT, Segment::Param(b"email")), a);
        assert_eq!(t.child(FieldTable::ROOT, Segment::Column(3)), c);
        assert_ne!(t.child(FieldTable::ROOT, Segment::Param(b"mail")), a);
        assert_ne!(t.child(FieldTable::ROOT, Segment::Column(30)), c);
    }

    #[test]
    fn children_are_interned_once_with_paths_and_hint_keys() {
        let mut t = FieldTable::default();
        let user = t.child(FieldTable::ROOT, Segment::Key(b"user"));
        let emails = t.child(user, Segment::Key(b"emails"));
        let each = t.child(emails, Segment::Element);
        assert_eq!(t.child(FieldTable::ROOT, Segment::Key(b"user")), user);
        assert_eq!(t.child(emails, Segment::Element), each);
        assert_eq!(t.get(each).path, "$.user.emails[*]");
        assert_eq!(t.get(each).key, b"user.emails");
        let x = t.child(each, Segment::Key(b"x"));
        assert_eq!(t.get(x).key, b"emails.x");
        let col = t.child(FieldTable::ROOT, Segment::Column(7));
        assert_eq!(t.get(col).path, "$[7]");
        assert_eq!(t.len(), 6);
    }

    #[test]
    fn keys_in_a_new_order_still_find_their_fields() {
        let mut t = FieldTable::default();
        let root = FieldTable::ROOT;
        let ids: Vec<FieldId> = [b"a", b"b", b"c"]
            .iter()
            .map(|k| t.child(root, Segment::Key(&k[..])))
            .collect();
        for order in [[0, 1, 2], [2, 0, 1], [1, 1, 0], [0, 2, 1]] {
            t.start_object(root);
            for i in order {
                assert_eq!(t.child(root, Segment::Key([b"a", b"b", b"c"][i])), ids[i]);
            }
        }
        assert_eq!(t.len(), 4);
    }

    /// Parameters are found in any order (lists repeated, shortened,
    /// reordered, with a new name), apart from keys of the same name, and
    /// a field's document is one field.
    #[test]
    fn parameters_in_any_order_find_their_fields() {
        let mut t = FieldTable::default();
        let root = FieldTable::ROOT;
        let names: [&[u8]; 4] = [b"accept", b"cookie", b"x-id", b"a]b"];
        let ids: Vec<FieldId> = names[..3]
            .iter()
            .map(|n| t.child(root, Segment::Param(n)))
            .collect();
        let key = t.child(root, Segment::Key(b"accept"));
        assert!(!ids.contains(&key));
        let mut all = ids.clone();
        for order in [
            &[0, 1, 2][..],
            &[0, 1, 2],
            &[2, 1],
            &[1, 0, 2, 3],
            &[3, 3, 0],
            &[0, 3, 1, 2],
        ] {
            for &i in order {
                let id = t.child(root, Segment::Param(names[i]));
                if i == all.len() {
                    all.push(id);
                }
                assert_eq!(id, all[i], "{order:?}");
            }
        }
        assert_eq!(t.get(all[3]).path, "$[a\\]b]");
        let doc = t.child(all[0], Segment::Document);
        assert_eq!(t.child(all[0], Segment::Document), doc);
        assert_eq!(t.get(doc).path, "$[accept]$");
        assert_eq!(t.len(), 7);
    }
}
