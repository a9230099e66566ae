//! Exact-value maps: canonical string to the indicators (and their modes) stored under it.
//! Domains, URLs, e-mail addresses, hex digests and whole-word strings are looked up here.

use std::collections::HashMap;

use crate::indicator::{IndicatorId, Mode};

/// Canonical value to every indicator stored under it. Several indicators can share a value when
/// their kinds or modes differ (an MD5 and a JA3; an exact and a subdomain domain).
#[derive(Debug, Default)]
pub struct ValueMap {
    map: HashMap<Box<str>, Vec<(IndicatorId, Mode)>, foldhash::fast::RandomState>,
}

impl ValueMap {
    /// Stores `id` under `value`.
    pub fn insert(&mut self, value: &str, id: IndicatorId, mode: Mode) {
        self.map.entry(value.into()).or_default().push((id, mode));
    }

    /// The indicators stored under `value`.
    pub fn get(&self, value: &str) -> &[(IndicatorId, Mode)] {
        self.map.get(value).map_or(&[], |v| v.as_slice())
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Approximate bytes held: the table, the keys and the id lists.
    pub(crate) fn heap_bytes(&self) -> usize {
        let entry = std::mem::size_of::<(Box<str>, Vec<(IndicatorId, Mode)>)>() + 1;
        self.map.capacity() * entry
            + self
                .map
                .iter()
                .map(|(k, v)| k.len() + v.capacity() * std::mem::size_of::<(IndicatorId, Mode)>())
                .sum::<usize>()
    }

    /// The number of distinct values.
    pub fn len(&self) -> usize {
        self.map.len()
    }
}
