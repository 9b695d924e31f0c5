//! Parquet files, read column by column with the `parquet` crate's
//! low-level column readers.
//!
//! Columns are fields: `$.customer.email` for a column inside a struct,
//! `$.tags[*]` for list elements (three-level and legacy two-level lists),
//! `$.attrs[*].key` / `.value` for maps. Each row is a record.
//!
//! **Projection.** Only the leaf columns whose type can hold personal data
//! are read at all: strings and other byte arrays (a value that is not
//! UTF-8 is passed over), UUIDs (written out as `8-4-4-4-12` hex), and
//! integers of 32 and 64 bits that are not dates, times, timestamps or
//! decimals with a scale (an SSN or a card number stored as a number).
//! Floats, booleans, INT96 timestamps and the rest are never decompressed.
//!
//! **Parallelism.** [`File::plan`] groups consecutive row groups into
//! parts of about the engine's chunk size; the engine scans the parts on
//! every thread, each with its own row-group readers over the one shared
//! (memory-mapped) buffer. The footer is parsed once per file.
//!
//! **Statistics and dictionaries.** A column chunk whose statistics say
//! every value is null is counted, not read. An integer chunk whose
//! min/max range no detector can match in that field (checked
//! exhaustively by the sink for ranges of a few thousand values) is
//! counted, not read. Values of a dictionary-encoded chunk repeat: the
//! scanner's per-field memo (see `engine`) runs the detectors once per
//! distinct value and reuses the result for every row holding it. The
//! crate's public API hands out decoded values, not dictionary indices,
//! so the reuse is keyed by the value's bytes rather than by index; the
//! pages themselves are still decoded once per row.
//!
//! Values have no byte position (pages are encoded and compressed): a
//! finding's line is its row (1-based, across the file), its column the
//! top-level column's position, its offset and length 0. Compression:
//! none, Snappy and gzip; a chunk using another codec is reported as a
//! problem and the other columns are still read.

use std::ops::Range;
use std::sync::Arc;

use parquet::basic::{ConvertedType, LogicalType, Repetition, Type as Physical};
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::DataType;
use parquet::file::metadata::ParquetMetaData;
use parquet::file::metadata::ParquetMetaDataReader;
use parquet::file::properties::ReaderProperties;
use parquet::file::reader::RowGroupReader;
use parquet::file::serialized_reader::SerializedRowGroupReader;
use parquet::file::statistics::Statistics;
use parquet::schema::types::Type as SchemaType;

use super::path::{FieldId, FieldTable, Segment};
use super::{Layers, Problem, RawSpan, Value, ValueSink};

/// Rows decoded per call into a column reader.
const BATCH: usize = 4096;

/// An opened Parquet file: its bytes, its parsed footer and the plan of
/// which columns to read.
pub struct File {
    data: bytes::Bytes,
    meta: Arc<ParquetMetaData>,
    columns: Vec<Column>,
    props: Arc<ReaderProperties>,
}

/// One leaf column and how to read it.
struct Column {
    /// The field path below the root.
    path: Vec<Step>,
    kind: Kind,
    /// Position of its top-level column (1-based).
    root: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Element,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Byte arrays read as text.
    Text,
    /// 16 bytes written out as a UUID.
    Uuid,
    /// Integers.
    Int,
    /// Not read: cannot hold personal data.
    Skip,
}

impl File {
    /// Parses the footer of the Parquet file in `data` and plans the
    /// columns to read.
    pub fn open(data: bytes::Bytes) -> Result<File, String> {
        // The reader is a large third-party decoder of untrusted input: a
        // panic in it fails this file, never the scan.
        std::panic::catch_unwind(|| {
            let meta = ParquetMetaDataReader::new()
                .parse_and_finish(&data)
                .map_err(|e| format!("not a readable Parquet file ({})", describe(&e)))?;
            let schema = meta.file_metadata().schema_descr();
            let mut columns = Vec::with_capacity(schema.num_columns());
            for (root, field) in schema.root_schema().get_fields().iter().enumerate() {
                leaves(field, &mut Vec::new(), root as u64 + 1, &mut columns);
            }
            if columns.len() != schema.num_columns() {
                return Err(
                    "unreadable Parquet schema (its leaves do not match its columns)".into(),
                );
            }
            Ok(File {
                data,
                meta: Arc::new(meta),
                columns,
                props: Arc::new(ReaderProperties::builder().build()),
            })
        })
        .unwrap_or_else(|_| Err("the Parquet reader failed on this file".to_string()))
    }

    /// Groups consecutive row groups into parts of about `target`
    /// compressed bytes of the columns that are read: each part with its
    /// first row's index in the file.
    pub fn plan(&self, target: usize) -> Vec<(Range<usize>, u64)> {
        let groups = self.meta.row_groups();
        let mut parts = Vec::new();
        let (mut first, mut size, mut row, mut first_row) = (0, 0u64, 0u64, 0u64);
        for (i, g) in groups.iter().enumerate() {
            size += self.read_size(i);
            row += g.num_rows().max(0) as u64;
            if size >= target as u64 || i + 1 == groups.len() {
                parts.push((first..i + 1, first_row));
                (first, size, first_row) = (i + 1, 0, row);
            }
        }
        parts
    }

    /// Compressed bytes of the columns read in row group `g`.
    pub fn read_size(&self, g: usize) -> u64 {
        let group = self.meta.row_group(g);
        self.columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.kind != Kind::Skip)
            .map(|(i, _)| group.column(i).compressed_size().max(0) as u64)
            .sum()
    }

    /// Compressed bytes of row group `g`, every column.
    pub fn group_size(&self, g: usize) -> u64 {
        self.meta.row_group(g).compressed_size().max(0) as u64
    }

    /// Row groups in the file.
    pub fn row_groups(&self) -> usize {
        self.meta.num_row_groups()
    }

    /// Size of the whole file.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether the file is empty (never, once opened).
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Extracts the read columns of row groups `groups`, whose first row
    /// is row `first_row` of the file. A column chunk that cannot be
    /// decoded is a problem; the other chunks are still read. Returns an
    /// error only when the reader itself failed.
    pub fn extract<S: ValueSink>(
        &self,
        groups: Range<usize>,
        first_row: u64,
        fields: &mut FieldTable,
        sink: &mut S,
    ) -> Result<(), String> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.read_groups(groups, first_row, fields, sink)
        }))
        .map_err(|_| "the Parquet reader failed on this file".to_string())
    }

    fn read_groups<S: ValueSink>(
        &self,
        groups: Range<usize>,
        mut first_row: u64,
        fields: &mut FieldTable,
        sink: &mut S,
    ) {
        let ids: Vec<FieldId> = self
            .columns
            .iter()
            .map(|c| {
                c.path.iter().fold(FieldTable::ROOT, |id, s| match s {
                    Step::Key(k) => fields.child(id, Segment::Key(k.as_bytes())),
                    Step::Element => fields.child(id, Segment::Element),
                })
            })
            .collect();
        let mut buffers = Buffers::default();
        for g in groups {
            let group = self.meta.row_group(g);
            let rows = group.num_rows().max(0) as u64;
            sink.records(rows);
            let reader = match SerializedRowGroupReader::new(
                Arc::new(self.data.clone()),
                group,
                self.meta.page_index_for_row_group(g),
                Arc::clone(&self.props),
            ) {
                Ok(r) => r,
                Err(e) => {
                    sink.problem(Problem {
                        offset: 0,
                        message: format!(
                            "row group {}: {}; it was not scanned",
                            g + 1,
                            describe(&e)
                        ),
                    });
                    first_row += rows;
                    continue;
                }
            };
            for (i, column) in self.columns.iter().enumerate() {
                if column.kind == Kind::Skip {
                    continue;
                }
                let descr = self.meta.file_metadata().schema_descr().column(i);
                let at = Chunk {
                    column,
                    field: ids[i],
                    first_row,
                    max_def: descr.max_def_level(),
                    max_rep: descr.max_rep_level(),
                };
                if let Err(e) = self.read_chunk(&reader, i, &at, fields, &mut buffers, sink) {
                    sink.problem(Problem {
                        offset: 0,
                        message: format!(
                            "row group {}, column {}: {}; the rest of the column chunk was not scanned",
                            g + 1,
                            fields.get(ids[i]).path,
                            describe(&e)
                        ),
                    });
                }
            }
            first_row += rows;
        }
        sink.at(0, 0);
    }

    fn read_chunk<S: ValueSink>(
        &self,
        reader: &SerializedRowGroupReader<'_, bytes::Bytes>,
        i: usize,
        at: &Chunk<'_>,
        fields: &mut FieldTable,
        buffers: &mut Buffers,
        sink: &mut S,
    ) -> parquet::errors::Result<()> {
        let meta = reader.metadata().column(i);
        let stats = meta.statistics();
        if let Some(s) = stats
            && s.null_count_opt() == Some(meta.num_values().max(0) as u64)
        {
            return Ok(());
        }
        if at.column.kind == Kind::Int
            && at.max_rep == 0
            && let Some((min, max, nulls)) = int_range(stats)
            && sink.integers_clear(fields, at.field, min, max)
        {
            let present = (meta.num_values().max(0) as u64).saturating_sub(nulls);
            sink.unscanned(fields, at.field, present);
            return Ok(());
        }
        let mut text = String::new();
        match reader.get_column_reader(i)? {
            ColumnReader::ByteArrayColumnReader(r) => {
                drain(r, at, buffers, |v, row, col| {
                    emit_bytes(v.data(), at.column.kind, row, col, at.field, fields, sink)
                })?;
            }
            ColumnReader::FixedLenByteArrayColumnReader(r) => {
                drain(r, at, buffers, |v, row, col| {
                    emit_bytes(v.data(), at.column.kind, row, col, at.field, fields, sink)
                })?;
            }
            ColumnReader::Int32ColumnReader(r) => {
                drain(r, at, buffers, |v, row, col| {
                    emit_int(i64::from(*v), &mut text, row, col, at.field, fields, sink)
                })?;
            }
            ColumnReader::Int64ColumnReader(r) => {
                drain(r, at, buffers, |v, row, col| {
                    emit_int(*v, &mut text, row, col, at.field, fields, sink)
                })?;
            }
            _ => {}
        }
        Ok(())
    }
}

/// The column chunk being read.
struct Chunk<'a> {
    column: &'a Column,
    field: FieldId,
    first_row: u64,
    max_def: i16,
    max_rep: i16,
}

#[derive(Default)]
struct Buffers {
    def: Vec<i16>,
    rep: Vec<i16>,
}

/// Reads every record of a column chunk, calling `each` with every
/// non-null value and its row (1-based, in the file) and column.
fn drain<T: DataType>(
    mut reader: ColumnReaderImpl<T>,
    at: &Chunk<'_>,
    buffers: &mut Buffers,
    mut each: impl FnMut(&T::T, u64, u64),
) -> parquet::errors::Result<()> {
    let (max_def, max_rep) = (at.max_def, at.max_rep);
    let mut values: Vec<T::T> = Vec::with_capacity(BATCH);
    // Rows started so far in this chunk.
    let mut rows = 0u64;
    loop {
        values.clear();
        buffers.def.clear();
        buffers.rep.clear();
        let (records, _, levels) = reader.read_records(
            BATCH,
            (max_def > 0).then_some(&mut buffers.def),
            (max_rep > 0).then_some(&mut buffers.rep),
            &mut values,
        )?;
        if records == 0 && levels == 0 {
            return Ok(());
        }
        if max_def == 0 && max_rep == 0 {
            for v in &values {
                rows += 1;
                each(v, at.first_row + rows, at.column.root);
            }
            continue;
        }
        let mut next = values.iter();
        for l in 0..levels {
            if max_rep == 0 || buffers.rep.get(l).copied().unwrap_or(0) == 0 {
                rows += 1;
            }
            let defined = max_def == 0 || buffers.def.get(l).copied() == Some(max_def);
            if defined && let Some(v) = next.next() {
                each(v, at.first_row + rows, at.column.root);
            }
        }
    }
}

fn emit_bytes<S: ValueSink>(
    bytes: &[u8],
    kind: Kind,
    row: u64,
    column: u64,
    field: FieldId,
    fields: &mut FieldTable,
    sink: &mut S,
) {
    let mut uuid = [0u8; 36];
    let bytes = match kind {
        Kind::Uuid if bytes.len() == 16 => {
            format_uuid(bytes, &mut uuid);
            &uuid[..]
        }
        _ if bytes.is_empty() || std::str::from_utf8(bytes).is_err() => return,
        _ => bytes,
    };
    sink.at(row, column);
    sink.value(
        fields,
        &Value {
            field: Some(field),
            bytes,
            raw: RawSpan::Whole { start: 0, end: 0 },
            layers: Layers::NONE,
        },
    );
}

fn emit_int<S: ValueSink>(
    v: i64,
    text: &mut String,
    row: u64,
    column: u64,
    field: FieldId,
    fields: &mut FieldTable,
    sink: &mut S,
) {
    use std::fmt::Write as _;
    text.clear();
    let _ = write!(text, "{v}");
    sink.at(row, column);
    sink.value(
        fields,
        &Value {
            field: Some(field),
            bytes: text.as_bytes(),
            raw: RawSpan::Whole { start: 0, end: 0 },
            layers: Layers::NONE,
        },
    );
}

fn format_uuid(b: &[u8], out: &mut [u8; 36]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut o = 0;
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out[o] = b'-';
            o += 1;
        }
        out[o] = HEX[(byte >> 4) as usize];
        out[o + 1] = HEX[(byte & 15) as usize];
        o += 2;
    }
}

/// The min, max and null count of an integer chunk, when its statistics
/// give all three.
fn int_range(stats: Option<&Statistics>) -> Option<(i64, i64, u64)> {
    match stats? {
        Statistics::Int32(s) => Some((
            i64::from(*s.min_opt()?),
            i64::from(*s.max_opt()?),
            s.null_count_opt()?,
        )),
        Statistics::Int64(s) => Some((*s.min_opt()?, *s.max_opt()?, s.null_count_opt()?)),
        _ => None,
    }
}

/// Walks the schema below `node`, pushing one [`Column`] per leaf in the
/// file's column order.
fn leaves(node: &SchemaType, path: &mut Vec<Step>, root: u64, out: &mut Vec<Column>) {
    let info = node.get_basic_info();
    let depth = path.len();
    path.push(Step::Key(node.name().to_string()));
    let repeated = info.has_repetition() && info.repetition() == Repetition::REPEATED;
    if repeated {
        path.push(Step::Element);
    }
    if node.is_primitive() {
        out.push(Column {
            path: path.clone(),
            kind: kind_of(node),
            root,
        });
        path.truncate(depth);
        return;
    }
    let fields = node.get_fields();
    let annotated = matches!(
        info.logical_type_ref(),
        Some(LogicalType::List | LogicalType::Map)
    ) || matches!(
        info.converted_type(),
        ConvertedType::LIST | ConvertedType::MAP | ConvertedType::MAP_KEY_VALUE
    );
    if annotated && !repeated && fields.len() == 1 && is_repeated(&fields[0]) {
        // LIST / MAP: the repeated child is the element (or the
        // key/value pair), shown as `[*]`.
        let inner = &fields[0];
        path.push(Step::Element);
        let element_is_inner = inner.is_primitive()
            || inner.get_fields().len() != 1
            || inner.name() == "array"
            || inner.name().ends_with("_tuple")
            || matches!(info.logical_type_ref(), Some(LogicalType::Map))
            || matches!(
                info.converted_type(),
                ConvertedType::MAP | ConvertedType::MAP_KEY_VALUE
            );
        if inner.is_primitive() {
            out.push(Column {
                path: path.clone(),
                kind: kind_of(inner),
                root,
            });
        } else if element_is_inner {
            for f in inner.get_fields() {
                leaves(f, path, root, out);
            }
        } else {
            let element = &inner.get_fields()[0];
            if element.is_primitive() {
                out.push(Column {
                    path: path.clone(),
                    kind: kind_of(element),
                    root,
                });
            } else {
                for f in element.get_fields() {
                    leaves(f, path, root, out);
                }
            }
        }
    } else {
        for f in fields {
            leaves(f, path, root, out);
        }
    }
    path.truncate(depth);
}

fn is_repeated(t: &SchemaType) -> bool {
    let info = t.get_basic_info();
    info.has_repetition() && info.repetition() == Repetition::REPEATED
}

/// Which leaf columns can hold personal data.
fn kind_of(t: &SchemaType) -> Kind {
    let info = t.get_basic_info();
    let logical = info.logical_type_ref();
    let converted = info.converted_type();
    match t.get_physical_type() {
        Physical::BYTE_ARRAY | Physical::FIXED_LEN_BYTE_ARRAY => match (logical, converted) {
            (Some(LogicalType::Uuid), _) => Kind::Uuid,
            (
                Some(
                    LogicalType::Decimal(_)
                    | LogicalType::Bson
                    | LogicalType::Float16
                    | LogicalType::Geometry(_)
                    | LogicalType::Geography(_)
                    | LogicalType::Variant(_),
                ),
                _,
            ) => Kind::Skip,
            (None, ConvertedType::DECIMAL | ConvertedType::BSON | ConvertedType::INTERVAL) => {
                Kind::Skip
            }
            _ => Kind::Text,
        },
        Physical::INT32 | Physical::INT64 => match (logical, converted) {
            (Some(LogicalType::Decimal(d)), _) if d.scale != 0 => Kind::Skip,
            (Some(LogicalType::Date | LogicalType::Time(_) | LogicalType::Timestamp(_)), _) => {
                Kind::Skip
            }
            (None, ConvertedType::DECIMAL) if t.get_scale() != 0 => Kind::Skip,
            (
                None,
                ConvertedType::DATE
                | ConvertedType::TIME_MILLIS
                | ConvertedType::TIME_MICROS
                | ConvertedType::TIMESTAMP_MILLIS
                | ConvertedType::TIMESTAMP_MICROS,
            ) => Kind::Skip,
            _ => Kind::Int,
        },
        _ => Kind::Skip,
    }
}

/// Extracts every row of the Parquet file in `data` on the calling
/// thread. Returns an error when the file cannot be opened; a column
/// chunk that cannot be decoded is a problem.
pub fn extract<S: ValueSink>(
    data: &[u8],
    fields: &mut FieldTable,
    sink: &mut S,
) -> Result<(), String> {
    let file = File::open(bytes::Bytes::copy_from_slice(data))?;
    file.extract(0..file.row_groups(), 0, fields, sink)
}

/// A Parquet error in our words: the library's messages may quote
/// decoded data, so none of their text is passed on.
fn describe(e: &parquet::errors::ParquetError) -> &'static str {
    use parquet::errors::ParquetError as E;
    match e {
        E::General(m) | E::NYI(m) if m.to_ascii_lowercase().contains("codec") => {
            "a compression codec the reader does not support"
        }
        E::NYI(_) => "a feature the reader does not support",
        E::EOF(_) => "unexpected end of file (truncated?)",
        _ => "invalid Parquet data",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::data_type::{ByteArray, ByteArrayType, Int64Type};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;

    /// Records what the extractor hands over.
    #[derive(Default)]
    struct Recorder {
        clear: bool,
        values: Vec<(String, String, u64)>,
        unscanned: Vec<(String, u64)>,
        at: u64,
    }

    impl ValueSink for Recorder {
        fn value(&mut self, fields: &mut FieldTable, value: &Value<'_>) {
            let path = fields.get(value.field.unwrap()).path.clone();
            let text = String::from_utf8_lossy(value.bytes).into_owned();
            self.values.push((path, text, self.at));
        }
        fn record(&mut self) {}
        fn problem(&mut self, problem: Problem) {
            panic!("{}", problem.message);
        }
        fn at(&mut self, line: u64, _: u64) {
            self.at = line;
        }
        fn integers_clear(&mut self, _: &mut FieldTable, _: FieldId, _: i64, _: i64) -> bool {
            self.clear
        }
        fn unscanned(&mut self, fields: &mut FieldTable, field: FieldId, n: u64) {
            self.unscanned.push((fields.get(field).path.clone(), n));
        }
    }

    fn file(dictionary: bool) -> Vec<u8> {
        let schema = Arc::new(
            parquet::schema::parser::parse_message_type(
                "message t {
                   required int64 zip;
                   optional binary email (UTF8);
                   required fixed_len_byte_array(16) device (UUID);
                   required double score;
                 }",
            )
            .unwrap(),
        );
        let props = WriterProperties::builder()
            .set_dictionary_enabled(dictionary)
            .build();
        let mut buf = Vec::new();
        let mut w = SerializedFileWriter::new(&mut buf, schema, Arc::new(props)).unwrap();
        let mut rg = w.next_row_group().unwrap();
        let mut i = 0;
        while let Some(mut col) = rg.next_column().unwrap() {
            match i {
                0 => drop(
                    col.typed::<Int64Type>()
                        .write_batch(&[10001, 10002, 10003], None, None),
                ),
                1 => drop(col.typed::<ByteArrayType>().write_batch(
                    &[
                        ByteArray::from("a@example.com"),
                        ByteArray::from("a@example.com"),
                    ],
                    Some(&[1, 0, 1]),
                    None,
                )),
                2 => {
                    let id: Vec<u8> = (0u8..16).collect();
                    let v = vec![parquet::data_type::FixedLenByteArray::from(id); 3];
                    drop(
                        col.typed::<parquet::data_type::FixedLenByteArrayType>()
                            .write_batch(&v, None, None),
                    )
                }
                _ => drop(col.typed::<parquet::data_type::DoubleType>().write_batch(
                    &[1.0, 2.0, 3.0],
                    None,
                    None,
                )),
            }
            col.close().unwrap();
            i += 1;
        }
        rg.close().unwrap();
        w.close().unwrap();
        buf
    }

    #[test]
    fn projection_nulls_uuids_and_rows() {
        let mut fields = FieldTable::default();
        let mut sink = Recorder::default();
        extract(&file(false), &mut fields, &mut sink).unwrap();
        let uuid = "00010203-0405-0607-0809-0a0b0c0d0e0f";
        let want: Vec<(String, String, u64)> = [
            ("$.zip", "10001", 1),
            ("$.zip", "10002", 2),
            ("$.zip", "10003", 3),
            ("$.email", "a@example.com", 1),
            ("$.email", "a@example.com", 3),
            ("$.device", uuid, 1),
            ("$.device", uuid, 2),
            ("$.device", uuid, 3),
        ]
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), *c))
        .collect();
        assert_eq!(sink.values, want);
        assert!(sink.unscanned.is_empty());
    }

    #[test]
    fn clear_integer_chunks_are_counted_not_read() {
        let mut fields = FieldTable::default();
        let mut sink = Recorder {
            clear: true,
            ..Recorder::default()
        };
        extract(&file(true), &mut fields, &mut sink).unwrap();
        assert_eq!(sink.unscanned, [("$.zip".to_string(), 3)]);
        assert!(sink.values.iter().all(|v| v.0 != "$.zip"));
    }
}
