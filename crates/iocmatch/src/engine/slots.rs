//! A flat table of canonical values under precomputed hashes: open addressing with linear
//! probing over one array of slots, the values themselves side by side in one byte arena. A
//! lookup reads one slot (its hash, its indicator and where its value lies) and, only when the
//! hashes agree, the value: two places in memory, where a map of vectors of boxed strings reads
//! four scattered ones.

use crate::indicator::IndicatorId;

/// One stored value: its hash (0 marks an empty slot), its indicator, a small tag the owner
/// uses (a mode), where the value lies in the arena, and whether a later slot of its probe
/// sequence holds the same hash: a lookup that has found its hash stops there unless `more`
/// says otherwise, rather than reading on to the next empty slot (a branch that goes either
/// way at random).
#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    hash: u64,
    start: u64,
    id: u32,
    len: u16,
    tag: u8,
    more: bool,
}

/// Values under their hashes; several values (or the same value for several indicators) may
/// share a hash, and every one of them is found.
#[derive(Debug, Default)]
pub(crate) struct SlotTable {
    slots: Vec<Slot>,
    arena: Vec<u8>,
    len: usize,
}

/// Hashes are stored with this bit set, so that no stored hash is 0 (the empty mark).
const PRESENT: u64 = 1 << 63;

impl SlotTable {
    /// A table for `n` values, at most half full.
    pub(crate) fn with_capacity(n: usize) -> SlotTable {
        SlotTable {
            slots: vec![Slot::default(); (n * 2).next_power_of_two().max(2)],
            arena: Vec::new(),
            len: 0,
        }
    }

    #[inline(always)]
    fn home(&self, h: u64) -> usize {
        // The low bits: the hashes' high bits already choose filter words.
        (h as usize) & (self.slots.len() - 1)
    }

    /// Stores `value` for `id` under hash `h`. Values must be under 64 KiB (the owners store
    /// domain names and digests, at most a few hundred bytes).
    pub(crate) fn insert(&mut self, h: u64, value: &[u8], id: IndicatorId, tag: u8) {
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let start = self.arena.len();
        self.arena.extend_from_slice(value);
        self.place(Slot {
            hash: h | PRESENT,
            id: id.0,
            start: start as u64,
            len: u16::try_from(value.len()).expect("stored values are under 64 KiB"),
            tag,
            more: false,
        });
        self.len += 1;
    }

    /// Puts `slot` in the first empty slot of its probe sequence, marking the slots of the
    /// same hash it passes.
    fn place(&mut self, slot: Slot) {
        let mask = self.slots.len() - 1;
        let mut i = self.home(slot.hash);
        while self.slots[i].hash != 0 {
            if self.slots[i].hash == slot.hash {
                self.slots[i].more = true;
            }
            i = (i + 1) & mask;
        }
        self.slots[i] = slot;
    }

    fn grow(&mut self) {
        let bigger = vec![Slot::default(); self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, bigger);
        for s in old.into_iter().filter(|s| s.hash != 0) {
            self.place(Slot { more: false, ..s });
        }
    }

    /// Asks for the home slot of hash `h` and the one after it (a probe reads on to the first
    /// empty slot, which is often the next, and often on the next cache line), for a
    /// [`SlotTable::for_each`] to come. A hint: at the table's last slot it asks for nothing.
    #[inline(always)]
    pub(crate) fn prefetch_slots(&self, h: u64) {
        let i = self.home(h | PRESENT);
        if let Some(s) = self.slots.get(i..i + 2) {
            crate::prefetch::prefetch(&s[0]);
            crate::prefetch::prefetch(&s[1]);
        }
    }

    /// Asks for the value of the first slot stored under hash `h` (reading the slots, which
    /// [`SlotTable::prefetch_slots`] asked for before), for a [`SlotTable::for_each`] to come.
    #[inline]
    pub(crate) fn prefetch_value(&self, h: u64) {
        if let Some(v) = self
            .under(h)
            .next()
            .and_then(|s| self.arena.get(s.start as usize))
        {
            crate::prefetch::prefetch(v);
        }
    }

    /// Calls `found(value, id, tag)` for every value stored under hash `h`, in no set order.
    #[inline]
    pub(crate) fn for_each(&self, h: u64, mut found: impl FnMut(&[u8], IndicatorId, u8)) {
        for s in self.under(h) {
            let start = s.start as usize;
            found(
                &self.arena[start..start + s.len as usize],
                IndicatorId(s.id),
                s.tag,
            );
        }
    }

    /// The slots stored under hash `h`: the probe sequence from its home slot, those of them
    /// with the hash, up to the first empty slot or the last of the hash.
    #[inline(always)]
    fn under(&self, h: u64) -> impl Iterator<Item = &Slot> {
        let h = h | PRESENT;
        let mask = self.slots.len().wrapping_sub(1);
        let mut i = if self.len == 0 {
            None
        } else {
            Some(self.home(h))
        };
        std::iter::from_fn(move || loop {
            let s = &self.slots[i?];
            if s.hash == 0 {
                return None;
            }
            if s.hash == h {
                i = s.more.then_some((i? + 1) & mask);
                return Some(s);
            }
            i = Some((i? + 1) & mask);
        })
    }

    /// The number of stored values.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Bytes held: slots and arena.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<Slot>() + self.arena.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_is_24_bytes() {
        assert_eq!(std::mem::size_of::<Slot>(), 24);
    }

    #[test]
    fn finds_every_value_under_a_hash_and_nothing_else() {
        let mut t = SlotTable::with_capacity(1);
        // Few distinct hashes, so that probe chains are long and wrap around.
        for i in 0..1000u32 {
            t.insert(
                u64::from(i % 7),
                format!("v{i}").as_bytes(),
                IndicatorId(i),
                0,
            );
        }
        assert_eq!(t.len(), 1000);
        for h in 0..7u64 {
            let mut ids = Vec::new();
            t.for_each(h, |v, id, _| {
                assert_eq!(v, format!("v{}", id.0).as_bytes());
                ids.push(id.0);
            });
            ids.sort_unstable();
            let expected: Vec<u32> = (0..1000).filter(|i| u64::from(i % 7) == h).collect();
            assert_eq!(ids, expected);
        }
        let mut none = 0;
        t.for_each(99, |_, _, _| none += 1);
        assert_eq!(none, 0);
        // Hash 0 is a hash like any other.
        t.insert(0, b"zero", IndicatorId(5000), 3);
        let mut tags = Vec::new();
        t.for_each(0, |v, _, tag| {
            if v == b"zero" {
                tags.push(tag)
            }
        });
        assert_eq!(tags, vec![3]);
    }
}
