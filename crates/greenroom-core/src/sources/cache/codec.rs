//! The cache's compact binary encoding: varint lengths, tagged JSON values, and the catalogue
//! types (entities, diagnostics, problems) written field by field. A hand-written format
//! because entities hold `serde_json` values, which need a self-describing format to
//! deserialise (bincode/postcard cannot), and because decoding straight into the types, with
//! no intermediate tree, is what makes a warm start fast (figures in `benches/cache_start.rs`).
//!
//! Entities go in blocks of [`BLOCK`]: each block is encoded on its own (in parallel) with its
//! own string table (map keys, short values, refs: written once, then by number, so the file
//! holds `apiVersion`, `lifecycle` or a team's ref once per block instead of once per entity),
//! and prefixed by its length, so blocks decode in parallel on every core.
//!
//! Decoding never trusts the bytes: every length is checked against what is left before
//! anything is allocated, nesting is bounded ([`crate::limits::CACHE_VALUE_DEPTH`]), strings are
//! checked UTF-8, and any inconsistency is a [`DecodeError`], never a panic.

use crate::catalog::kinds::BUILTIN_KINDS;
use crate::catalog::{
    Diagnostic, Entity, EntityRef, Origin, Problem, RefSite, Relation, RelationType, Severity,
    Verdict,
};
use crate::yaml::Pos;
use serde_json::{Map, Number, Value};
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(pub String);

fn bad(what: &str) -> DecodeError {
    DecodeError(format!("malformed cache data ({what})"))
}

/// Entities per independently encoded block.
pub const BLOCK: usize = 1024;
/// Strings up to this long go in a block's string table; longer ones (descriptions) are
/// written in place, as they rarely repeat.
const TABLE_TEXT: usize = 64;

/// Appends values to a byte buffer.
#[derive(Default)]
pub struct Writer {
    pub buf: Vec<u8>,
    /// Shared strings (`Origin`'s files and locations) written once, then by number.
    arcs: HashMap<Arc<str>, u64>,
    /// Short texts written once, then by number (see [`Writer::text`]).
    texts: HashMap<String, u64>,
}

impl Writer {
    pub fn new() -> Self {
        Writer::default()
    }

    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    pub fn bool(&mut self, v: bool) {
        self.buf.push(u8::from(v));
    }

    pub fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    pub fn len(&mut self, n: usize) {
        self.varint(n as u64);
    }

    pub fn i64(&mut self, v: i64) {
        // Zig-zag, so small negatives stay short.
        self.varint(((v << 1) ^ (v >> 63)) as u64);
    }

    pub fn str(&mut self, s: &str) {
        self.len(s.len());
        self.buf.extend_from_slice(s.as_bytes());
    }

    pub fn opt_str(&mut self, s: Option<&str>) {
        match s {
            None => self.u8(0),
            Some(s) => {
                self.u8(1);
                self.str(s);
            }
        }
    }

    pub fn pos(&mut self, p: Pos) {
        self.varint(p.line.into());
        self.varint(p.column.into());
    }

    /// A text through the string table: `0` and the text the first time (it gets the next
    /// number), `1` and the text when it is too long for the table, else its number + 2.
    pub fn text(&mut self, s: &str) {
        if s.len() > TABLE_TEXT {
            self.varint(1);
            self.str(s);
        } else if let Some(&n) = self.texts.get(s) {
            self.varint(n + 2);
        } else {
            let n = self.texts.len() as u64;
            self.texts.insert(s.to_owned(), n);
            self.varint(0);
            self.str(s);
        }
    }

    /// A shared string: its text the first time, then the number it was given.
    pub fn arc(&mut self, s: &Arc<str>) {
        if let Some(&n) = self.arcs.get(s) {
            self.varint(n + 1);
        } else {
            let n = self.arcs.len() as u64;
            self.arcs.insert(s.clone(), n);
            self.varint(0);
            self.str(s);
        }
    }

    pub fn value(&mut self, v: &Value) {
        match v {
            Value::Null => self.u8(0),
            Value::Bool(false) => self.u8(1),
            Value::Bool(true) => self.u8(2),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    self.u8(3);
                    self.varint(u);
                } else if let Some(i) = n.as_i64() {
                    self.u8(4);
                    self.i64(i);
                } else {
                    self.u8(5);
                    self.buf
                        .extend_from_slice(&n.as_f64().unwrap_or(0.0).to_le_bytes());
                }
            }
            Value::String(s) => {
                self.u8(6);
                self.text(s);
            }
            Value::Array(items) => {
                self.u8(7);
                self.len(items.len());
                for i in items {
                    self.value(i);
                }
            }
            Value::Object(map) => {
                self.u8(8);
                self.map(map);
            }
        }
    }

    pub fn map(&mut self, map: &Map<String, Value>) {
        self.len(map.len());
        for (k, v) in map {
            self.text(k);
            self.value(v);
        }
    }

    pub fn entity_ref(&mut self, r: &EntityRef) {
        self.text(&r.kind);
        self.text(&r.namespace);
        self.text(&r.name);
    }

    pub fn relation_type(&mut self, t: &RelationType) {
        match RelationType::WELL_KNOWN.iter().position(|w| w == t) {
            Some(i) => self.varint(i as u64 + 1),
            None => {
                self.varint(0);
                self.str(t.as_str());
            }
        }
    }

    pub fn ref_site(&mut self, s: &RefSite) {
        self.str(s.field);
        self.relation_type(&s.relation);
        self.text(&s.written);
        self.text(&s.target);
        self.pos(s.pos);
    }

    pub fn entity(&mut self, e: &Entity) {
        self.map(&e.data);
        self.entity_ref(&e.entity_ref);
        self.text(&e.key);
        self.arc(&e.origin.file);
        self.pos(e.origin.pos);
        self.arc(&e.origin.location);
        self.arc(&e.origin.origin_location);
        self.bool(e.verdict == Verdict::Accepted);
        self.len(e.ref_sites.len());
        for s in &e.ref_sites {
            self.ref_site(s);
        }
        self.len(e.relations.len());
        for r in &e.relations {
            self.relation_type(&r.kind);
            self.text(&r.target);
        }
        self.bool(e.relations_given);
    }

    pub fn severity(&mut self, s: Severity) {
        self.bool(s == Severity::Error);
    }

    pub fn diagnostic(&mut self, d: &Diagnostic) {
        self.severity(d.severity);
        self.str(&d.file);
        self.pos(d.pos());
        self.opt_str(d.entity_ref.as_deref());
        self.str(&d.message);
    }

    pub fn problem(&mut self, p: &Problem) {
        self.severity(p.severity);
        self.pos(p.pos);
        self.str(&p.message);
    }

    /// Entities in blocks of [`BLOCK`], each encoded on its own (in parallel) and prefixed
    /// by its length.
    pub fn entities(&mut self, entities: &[Entity]) {
        use rayon::prelude::*;
        self.len(entities.len());
        let blocks: Vec<Vec<u8>> = entities
            .par_chunks(BLOCK)
            .map(|chunk| {
                let mut w = Writer::new();
                for e in chunk {
                    w.entity(e);
                }
                w.buf
            })
            .collect();
        for b in blocks {
            self.len(b.len());
            self.buf.extend_from_slice(&b);
        }
    }

    pub fn diagnostics(&mut self, diagnostics: &[Diagnostic]) {
        self.len(diagnostics.len());
        for d in diagnostics {
            self.diagnostic(d);
        }
    }
}

/// Reads values back from a byte slice.
pub struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
    arcs: Vec<Arc<str>>,
    /// The string table so far (see [`Writer::text`]): slices of `buf`, checked once.
    texts: Vec<&'a str>,
    depth: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader {
            buf,
            at: 0,
            arcs: Vec::new(),
            texts: Vec::new(),
            depth: 0,
        }
    }

    pub fn remaining(&self) -> usize {
        self.buf.len() - self.at
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.remaining() {
            return Err(bad("truncated"));
        }
        let s = &self.buf[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }

    pub fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.bytes(1)?[0])
    }

    pub fn bool(&mut self) -> Result<bool, DecodeError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(bad("boolean")),
        }
    }

    pub fn varint(&mut self) -> Result<u64, DecodeError> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(bad("number too long"))
    }

    /// A count of items each at least `min_bytes` long: refused if the rest cannot hold them,
    /// so a forged count cannot make the reader allocate.
    pub fn len(&mut self, min_bytes: usize) -> Result<usize, DecodeError> {
        let n = self.varint()?;
        if n > (self.remaining() / min_bytes.max(1)) as u64 {
            return Err(bad("count larger than the data"));
        }
        Ok(n as usize)
    }

    pub fn u32(&mut self) -> Result<u32, DecodeError> {
        u32::try_from(self.varint()?).map_err(|_| bad("number out of range"))
    }

    pub fn i64(&mut self) -> Result<i64, DecodeError> {
        let z = self.varint()?;
        Ok(((z >> 1) as i64) ^ -((z & 1) as i64))
    }

    pub fn str(&mut self) -> Result<&'a str, DecodeError> {
        let n = self.len(1)?;
        std::str::from_utf8(self.bytes(n)?).map_err(|_| bad("text"))
    }

    pub fn string(&mut self) -> Result<String, DecodeError> {
        self.str().map(str::to_owned)
    }

    /// A text written by [`Writer::text`].
    pub fn text(&mut self) -> Result<&'a str, DecodeError> {
        match self.varint()? {
            0 => {
                let s = self.str()?;
                self.texts.push(s);
                Ok(s)
            }
            1 => self.str(),
            n => self
                .texts
                .get((n - 2) as usize)
                .copied()
                .ok_or_else(|| bad("text number")),
        }
    }

    fn text_string(&mut self) -> Result<String, DecodeError> {
        self.text().map(str::to_owned)
    }

    pub fn opt_string(&mut self) -> Result<Option<String>, DecodeError> {
        match self.u8()? {
            0 => Ok(None),
            1 => self.string().map(Some),
            _ => Err(bad("optional text")),
        }
    }

    pub fn pos(&mut self) -> Result<Pos, DecodeError> {
        Ok(Pos::new(self.u32()?, self.u32()?))
    }

    pub fn arc(&mut self) -> Result<Arc<str>, DecodeError> {
        match self.varint()? {
            0 => {
                let s: Arc<str> = self.str()?.into();
                self.arcs.push(s.clone());
                Ok(s)
            }
            n => self
                .arcs
                .get((n - 1) as usize)
                .cloned()
                .ok_or_else(|| bad("shared text")),
        }
    }

    pub fn value(&mut self) -> Result<Value, DecodeError> {
        Ok(match self.u8()? {
            0 => Value::Null,
            1 => Value::Bool(false),
            2 => Value::Bool(true),
            3 => Value::Number(self.varint()?.into()),
            4 => Value::Number(self.i64()?.into()),
            5 => {
                let b: [u8; 8] = self.bytes(8)?.try_into().map_err(|_| bad("number"))?;
                Number::from_f64(f64::from_le_bytes(b))
                    .map(Value::Number)
                    .ok_or_else(|| bad("number"))?
            }
            6 => Value::String(self.text_string()?),
            7 => {
                self.enter()?;
                let n = self.len(1)?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.value()?);
                }
                self.depth -= 1;
                Value::Array(items)
            }
            8 => {
                self.enter()?;
                let m = self.map_inner()?;
                self.depth -= 1;
                Value::Object(m)
            }
            _ => return Err(bad("value tag")),
        })
    }

    fn enter(&mut self) -> Result<(), DecodeError> {
        self.depth += 1;
        if self.depth > crate::limits::CACHE_VALUE_DEPTH {
            return Err(bad("nested too deep"));
        }
        Ok(())
    }

    pub fn map(&mut self) -> Result<Map<String, Value>, DecodeError> {
        self.enter()?;
        let m = self.map_inner();
        self.depth -= 1;
        m
    }

    fn map_inner(&mut self) -> Result<Map<String, Value>, DecodeError> {
        let n = self.len(2)?;
        let mut map = Map::with_capacity(n);
        for _ in 0..n {
            let k = self.text_string()?;
            let v = self.value()?;
            map.insert(k, v);
        }
        Ok(map)
    }

    pub fn entity_ref(&mut self) -> Result<EntityRef, DecodeError> {
        Ok(EntityRef::new(
            self.text_string()?,
            self.text_string()?,
            self.text_string()?,
        ))
    }

    pub fn relation_type(&mut self) -> Result<RelationType, DecodeError> {
        match self.varint()? {
            0 => Ok(RelationType::parse(self.str()?)),
            n => RelationType::WELL_KNOWN
                .get((n - 1) as usize)
                .cloned()
                .ok_or_else(|| bad("relation type")),
        }
    }

    pub fn ref_site(&mut self) -> Result<RefSite, DecodeError> {
        let field = static_field(self.str()?).ok_or_else(|| bad("spec field"))?;
        Ok(RefSite {
            field,
            relation: self.relation_type()?,
            written: self.text_string()?,
            target: self.text_string()?,
            pos: self.pos()?,
        })
    }

    pub fn entity(&mut self) -> Result<Entity, DecodeError> {
        let data = self.map()?;
        let entity_ref = self.entity_ref()?;
        let key = self.text_string()?;
        let origin = Origin {
            file: self.arc()?,
            pos: self.pos()?,
            location: self.arc()?,
            origin_location: self.arc()?,
        };
        let verdict = if self.bool()? {
            Verdict::Accepted
        } else {
            Verdict::Rejected
        };
        let n = self.len(8)?;
        let mut ref_sites = Vec::with_capacity(n);
        for _ in 0..n {
            ref_sites.push(self.ref_site()?);
        }
        let n = self.len(2)?;
        let mut relations = Vec::with_capacity(n);
        for _ in 0..n {
            relations.push(Relation {
                kind: self.relation_type()?,
                target: self.text()?.into(),
            });
        }
        Ok(Entity {
            data,
            entity_ref,
            key,
            origin,
            verdict,
            ref_sites,
            relations,
            relations_given: self.bool()?,
        })
    }

    pub fn severity(&mut self) -> Result<Severity, DecodeError> {
        Ok(if self.bool()? {
            Severity::Error
        } else {
            Severity::Warning
        })
    }

    pub fn diagnostic(&mut self) -> Result<Diagnostic, DecodeError> {
        let severity = self.severity()?;
        let file = self.string()?;
        let pos = self.pos()?;
        let entity_ref = self.opt_string()?;
        let message = self.string()?;
        Ok(Diagnostic::new(severity, file, pos, entity_ref, message))
    }

    pub fn problem(&mut self) -> Result<Problem, DecodeError> {
        let severity = self.severity()?;
        let pos = self.pos()?;
        let message = self.string()?;
        Ok(match severity {
            Severity::Error => Problem::error(pos, message),
            Severity::Warning => Problem::warning(pos, message),
        })
    }

    /// Entities written by [`Writer::entities`]: the blocks decoded in parallel, each with a
    /// reader of its own.
    pub fn entities(&mut self) -> Result<Vec<Entity>, DecodeError> {
        use rayon::prelude::*;
        let n = self.len(16)?;
        let mut blocks = Vec::with_capacity(n.div_ceil(BLOCK));
        let mut left = n;
        while left > 0 {
            let len = self.len(1)?;
            blocks.push((self.bytes(len)?, left.min(BLOCK)));
            left -= left.min(BLOCK);
        }
        let depth = self.depth;
        let decoded: Vec<Vec<Entity>> = blocks
            .into_par_iter()
            .map(|(bytes, count)| {
                let mut r = Reader::new(bytes);
                r.depth = depth;
                if count > bytes.len() / 16 {
                    return Err(bad("count larger than the data"));
                }
                let mut out = Vec::with_capacity(count);
                for _ in 0..count {
                    out.push(r.entity()?);
                }
                if !r.is_empty() {
                    return Err(bad("block longer than its entities"));
                }
                Ok(out)
            })
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(n);
        for block in decoded {
            out.extend(block);
        }
        Ok(out)
    }

    pub fn diagnostics(&mut self) -> Result<Vec<Diagnostic>, DecodeError> {
        let n = self.len(6)?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.diagnostic()?);
        }
        Ok(out)
    }
}

/// The fields Port's mapping names its reference sites by (`sources::port::mapping`).
const PORT_SITE_FIELDS: &[&str] = &["memberOf", "spec.owner", "relations"];

/// The `&'static` name of a spec field that makes relations (what [`RefSite::field`] holds).
fn static_field(name: &str) -> Option<&'static str> {
    BUILTIN_KINDS
        .iter()
        .flat_map(|k| k.fields.iter())
        .map(|f| f.name)
        .chain(PORT_SITE_FIELDS.iter().copied())
        .find(|f| *f == name)
}

/// A 64-bit checksum of `bytes` (not cryptographic: it catches torn and damaged files, eight
/// bytes a step so a 100 MB cache checks in a few milliseconds).
pub fn checksum(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h: u64 = bytes.len() as u64 ^ 0xC2B2_AE3D_27D4_EB4F;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().unwrap_or_default());
        h = (h.rotate_left(23) ^ w).wrapping_mul(K);
    }
    for &b in chunks.remainder() {
        h = (h.rotate_left(23) ^ u64::from(b)).wrapping_mul(K);
    }
    h ^ (h >> 29)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_round_trip_in_order() {
        let v = json!({"z": null, "a": [true, false, 0, 1, -7, 300, 2.5, 18446744073709551615u64, -9223372036854775808i64],
            "m": {"é": "ü\u{0}", "": {}}, "s": ""});
        let mut w = Writer::new();
        w.value(&v);
        let back = Reader::new(&w.buf).value().unwrap();
        assert_eq!(back, v);
        let keys: Vec<&String> = back.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["z", "a", "m", "s"]);
    }

    #[test]
    fn forged_counts_and_depth_are_errors_not_allocations() {
        // An array claiming 2^60 items in a few bytes.
        let mut w = Writer::new();
        w.u8(7);
        w.varint(1 << 60);
        assert!(Reader::new(&w.buf).value().is_err());
        // Nesting deeper than the limit.
        let deep = [7u8, 1].repeat(crate::limits::CACHE_VALUE_DEPTH + 1);
        let mut bytes = deep;
        bytes.push(0);
        let err = Reader::new(&bytes).value().unwrap_err();
        assert!(err.0.contains("deep"), "{err}");
        // Every prefix of a valid encoding fails cleanly.
        let mut w = Writer::new();
        w.value(&json!({"a": [1, "two", {"b": null}]}));
        for n in 0..w.buf.len() {
            assert!(Reader::new(&w.buf[..n]).value().is_err(), "prefix {n}");
        }
        assert!(
            Reader::new(&[6, 2, 0xff, 0xfe]).value().is_err(),
            "bad UTF-8"
        );
    }

    #[test]
    fn checksum_sees_one_changed_bit() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
        let base = checksum(&data);
        for i in [0, 7, 8, 500, 999] {
            let mut d = data.clone();
            d[i] ^= 1;
            assert_ne!(checksum(&d), base, "byte {i}");
        }
        assert_ne!(checksum(&data[..999]), base);
    }
}
