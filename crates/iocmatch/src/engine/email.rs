//! E-mail indicators by canonical address, with a filter in front so that the addresses a scan
//! meets (every `@` in a mail log) are dismissed before they are canonicalised.

use super::hashing::{finish, hash_bytes_within, hash_fwd, random_seed, Filter};
use super::values::ValueMap;
use crate::indicator::{IndicatorId, Mode};

/// E-mail indicators (local part as written, domain canonical).
#[derive(Debug, Default)]
pub struct EmailSet {
    seed: u64,
    filter: Filter,
    map: ValueMap,
}

impl EmailSet {
    /// Builds the set from canonical addresses.
    pub fn build(items: &[(&str, IndicatorId, Mode)]) -> EmailSet {
        let seed = random_seed();
        let mut filter = Filter::with_capacity(items.len());
        let mut map = ValueMap::default();
        for &(addr, id, mode) in items {
            filter.insert(hash_fwd(seed, addr.as_bytes()));
            map.insert(addr, id, mode);
        }
        EmailSet { seed, filter, map }
    }

    /// Whether there are no e-mail indicators.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Approximate bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.filter.heap_bytes() + self.map.heap_bytes()
    }

    /// The indicators stored under a canonical address.
    pub fn get(&self, canonical: &str) -> &[(IndicatorId, Mode)] {
        self.map.get(canonical)
    }

    /// Whether the address written `text[s..e]` may be stored (`ascii`: whether it is all
    /// ASCII, which the scan knows from its masks). The filter's hash folds ASCII case, so an
    /// ASCII address whose domain differs from the canonical one only by case passes; non-ASCII
    /// addresses (IDN domains, stored in punycode) always may. Hashed with reads into the text
    /// around the address.
    #[inline]
    pub(crate) fn may_contain(&self, text: &[u8], s: usize, e: usize, ascii: bool) -> bool {
        !ascii
            || self
                .filter
                .may_contain(finish(hash_bytes_within(self.seed, text, s, e)))
    }
}
