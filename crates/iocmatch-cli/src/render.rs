//! Output records: JSON lines and short text lines for matches and lookup hits.

use iocmatch::{How, Indicator, Matcher, Origin};
use serde_json::{json, Map, Value};

/// Where a match was found.
pub struct Place<'a> {
    /// The input's name.
    pub file: &'a str,
    /// 1-based line number.
    pub line: usize,
    /// 0-based half-open byte offsets within the line.
    pub start: usize,
    pub end: usize,
    /// The matched bytes.
    pub matched: &'a [u8],
}

fn how_fields(how: How, obj: &mut Map<String, Value>) {
    obj.insert("how".into(), json!(how.name()));
    if let How::Cidr { prefix_len } = how {
        obj.insert("prefix_len".into(), json!(prefix_len));
    }
}

fn origin_json(o: &Origin) -> Value {
    let m = &o.meta;
    let mut obj = Map::new();
    obj.insert("source".into(), json!(&*o.source));
    obj.insert("location".into(), json!(o.location.to_string()));
    if let Some(d) = &m.description {
        obj.insert("description".into(), json!(d));
    }
    if let Some(r) = &m.reference {
        obj.insert("reference".into(), json!(r));
    }
    if let Some(c) = m.confidence {
        obj.insert("confidence".into(), json!(c));
    }
    if !m.tags.is_empty() {
        obj.insert("tags".into(), json!(m.tags));
    }
    if let Some(t) = m.valid_from {
        obj.insert("valid_from".into(), json!(t.to_string()));
    }
    if let Some(t) = m.valid_until {
        obj.insert("valid_until".into(), json!(t.to_string()));
    }
    if !m.extra.is_empty() {
        let pairs = m.extra.iter().map(|(k, v)| (k.clone(), json!(v)));
        obj.insert("extra".into(), Value::Object(pairs.collect()));
    }
    Value::Object(obj)
}

fn indicator_fields(id: u32, ind: &Indicator, obj: &mut Map<String, Value>) {
    obj.insert("indicator".into(), json!(ind.value));
    obj.insert("kind".into(), json!(ind.kind.name()));
    obj.insert("mode".into(), json!(ind.mode.name()));
    obj.insert("id".into(), json!(id));
    obj.insert("sources".into(), json!(ind.sources()));
    obj.insert(
        "meta".into(),
        Value::Array(ind.origins.iter().map(origin_json).collect()),
    );
}

/// A scan match as one JSON object.
pub fn match_json(m: &Matcher, place: &Place, id: iocmatch::IndicatorId, how: How) -> String {
    let mut obj = Map::new();
    obj.insert("file".into(), json!(place.file));
    obj.insert("line".into(), json!(place.line));
    obj.insert("start".into(), json!(place.start));
    obj.insert("end".into(), json!(place.end));
    obj.insert(
        "matched".into(),
        json!(String::from_utf8_lossy(place.matched)),
    );
    how_fields(how, &mut obj);
    indicator_fields(id.0, m.indicator(id), &mut obj);
    Value::Object(obj).to_string()
}

/// A scan match as one short text line.
pub fn match_text(m: &Matcher, place: &Place, id: iocmatch::IndicatorId, how: How) -> String {
    let ind = m.indicator(id);
    format!(
        "{}:{}:{}-{}: {} -> {} {} ({}) [{}]",
        place.file,
        place.line,
        place.start,
        place.end,
        String::from_utf8_lossy(place.matched).escape_debug(),
        ind.kind,
        ind.value,
        how_text(how),
        ind.sources().join(", ")
    )
}

/// A lookup hit as one JSON object.
pub fn hit_json(m: &Matcher, value: &str, id: iocmatch::IndicatorId, how: How) -> String {
    let mut obj = Map::new();
    obj.insert("value".into(), json!(value));
    how_fields(how, &mut obj);
    indicator_fields(id.0, m.indicator(id), &mut obj);
    Value::Object(obj).to_string()
}

/// A lookup hit as one short text line.
pub fn hit_text(m: &Matcher, value: &str, id: iocmatch::IndicatorId, how: How) -> String {
    let ind = m.indicator(id);
    format!(
        "{value}: {} {} ({}) [{}]",
        ind.kind,
        ind.value,
        how_text(how),
        ind.sources().join(", ")
    )
}

fn how_text(how: How) -> String {
    match how {
        How::Cidr { prefix_len } => format!("cidr/{prefix_len}"),
        h => h.name().to_string(),
    }
}

/// Marks a printed match as one an allowlist suppresses.
pub fn mark_suppressed(rec: &mut String, list: &str, output: crate::args::Output) {
    match output {
        crate::args::Output::Json => {
            if rec.ends_with('}') {
                rec.pop();
                rec.push_str(&format!(",\"suppressed_by\":{}}}", json!(list)));
            }
        }
        crate::args::Output::Text => rec.push_str(&format!(" (suppressed by {list})")),
    }
}
