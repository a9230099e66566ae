//! Lists filtered without a branch on what is kept. Whether a token passes a filter or a bitmap
//! is as good as random, so a branch on the answer is mispredicted about as often as not, and
//! each miss costs more than the work it guards. Instead every item is written at the next
//! place, and the length moves past it only if it is kept.

/// Keeps at the front of `items`, in order, those that `keep` accepts, and returns how many.
/// `keep` sees every item once, in order. (Asks for what the kept items will read belong in a
/// loop over them afterwards: made here, the rejected items' asks are wasted work.)
#[inline(always)]
pub(crate) fn retain_unbranched<T: Copy>(
    items: &mut [T],
    mut keep: impl FnMut(&T) -> bool,
) -> usize {
    let mut kept = 0;
    for i in 0..items.len() {
        let item = items[i];
        items[kept] = item;
        kept += usize::from(keep(&item));
    }
    kept
}

/// A list filled the same way: [`Kept::push_if`] writes every item and counts the kept ones.
#[derive(Debug, Default)]
pub(crate) struct Kept<T> {
    items: Vec<T>,
    len: usize,
}

impl<T: Copy> Kept<T> {
    #[inline(always)]
    pub(crate) fn push_if(&mut self, keep: bool, item: T) {
        // One bounds test, where an index would repeat the capacity test.
        match self.items.get_mut(self.len) {
            Some(slot) => *slot = item,
            None => self.items.push(item),
        }
        self.len += usize::from(keep);
    }

    #[inline(always)]
    pub(crate) fn push(&mut self, item: T) {
        self.push_if(true, item)
    }

    /// Keeps the items `keep` accepts, in order ([`retain_unbranched`]).
    #[inline(always)]
    pub(crate) fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.len = retain_unbranched(&mut self.items[..self.len], keep);
    }

    #[inline(always)]
    pub(crate) fn as_slice(&self) -> &[T] {
        &self.items[..self.len]
    }

    pub(crate) fn clear(&mut self) {
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retain_keeps_what_is_kept_in_order_and_sees_every_item_once() {
        let mut items: Vec<u32> = (0..100).collect();
        let mut seen = Vec::new();
        let n = retain_unbranched(&mut items, |&x| {
            seen.push(x);
            x % 3 == 1
        });
        assert_eq!(seen, (0..100).collect::<Vec<_>>());
        assert_eq!(
            items[..n],
            (0..100).filter(|x| x % 3 == 1).collect::<Vec<_>>()[..]
        );
        assert_eq!(retain_unbranched(&mut items[..0], |_| true), 0);
    }

    #[test]
    fn kept_lists_keep_only_what_is_kept() {
        let mut k = Kept::default();
        for i in 0..10u32 {
            k.push_if(i % 2 == 0, i);
        }
        k.push(11);
        assert_eq!(k.as_slice(), [0, 2, 4, 6, 8, 11]);
        k.retain(|&x| x > 3);
        assert_eq!(k.as_slice(), [4, 6, 8, 11]);
        k.clear();
        k.push(7);
        assert_eq!(k.as_slice(), [7]);
    }
}
