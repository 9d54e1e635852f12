//! libsvm's kernel cache: columns of the `Q` matrix (as `f32`, libsvm's `Qfloat`),
//! each cached over a prefix `[0, len)` of the current index order, evicted least
//! recently used first when the budget is spent.
//!
//! Invariants: the budget (in values) is at least two full columns, so the two
//! columns of one SMO step never evict each other; `swap_index` keeps every cached
//! entry consistent with the solver's reordering (entries that would need a value
//! beyond their prefix are dropped, as libsvm does).

/// Columns of `Q` by position.
pub(super) struct ColumnCache {
    columns: Vec<Vec<f32>>,
    /// A circular doubly linked list of cached columns in use order, through `l` as
    /// its head (least recently used first).
    prev: Vec<usize>,
    next: Vec<usize>,
    /// Values that may still be allocated.
    free: usize,
}

impl ColumnCache {
    /// A cache for `l` columns within `bytes` (at least two full columns).
    pub fn new(l: usize, bytes: usize) -> Self {
        let head = l;
        // libsvm charges its bookkeeping (a few words per column) to the budget.
        let values = (bytes / size_of::<f32>()).saturating_sub(l * 8);
        Self {
            columns: vec![Vec::new(); l],
            prev: vec![head; l + 1],
            next: vec![head; l + 1],
            free: values.max(2 * l),
        }
    }

    fn head(&self) -> usize {
        self.columns.len()
    }

    fn unlink(&mut self, i: usize) {
        let (p, n) = (self.prev[i], self.next[i]);
        self.next[p] = n;
        self.prev[n] = p;
    }

    fn push_back(&mut self, i: usize) {
        let head = self.head();
        let last = self.prev[head];
        self.next[last] = i;
        self.prev[i] = last;
        self.next[i] = head;
        self.prev[head] = i;
    }

    /// Makes column `i` hold at least `len` values, marks it most recently used, and
    /// returns it with the position from which values must be (re)computed: `len` or
    /// more when nothing needs computing.
    pub fn request(&mut self, i: usize, len: usize) -> (&mut [f32], usize) {
        let cached = self.columns[i].len();
        if cached > 0 {
            self.unlink(i);
        }
        let start = if len > cached {
            let more = len - cached;
            while self.free < more {
                let oldest = self.next[self.head()];
                self.unlink(oldest);
                let dropped = std::mem::take(&mut self.columns[oldest]);
                self.free += dropped.len();
            }
            self.columns[i].resize(len, 0.0);
            self.free -= more;
            cached
        } else {
            len
        };
        self.push_back(i);
        (&mut self.columns[i], start)
    }

    /// Column `i` as cached (call [`ColumnCache::request`] first).
    pub fn column(&self, i: usize) -> &[f32] {
        &self.columns[i]
    }

    /// Follows the solver swapping positions `i` and `j`.
    pub fn swap_index(&mut self, i: usize, j: usize) {
        if i == j {
            return;
        }
        for k in [i, j] {
            if !self.columns[k].is_empty() {
                self.unlink(k);
            }
        }
        self.columns.swap(i, j);
        for k in [i, j] {
            if !self.columns[k].is_empty() {
                self.push_back(k);
            }
        }
        let (low, high) = (i.min(j), i.max(j));
        let head = self.head();
        let mut h = self.next[head];
        while h != head {
            let following = self.next[h];
            let len = self.columns[h].len();
            if len > low {
                if len > high {
                    self.columns[h].swap(low, high);
                } else {
                    // The entry covers `low` but not `high`: libsvm gives it up.
                    self.unlink(h);
                    let dropped = std::mem::take(&mut self.columns[h]);
                    self.free += dropped.len();
                }
            }
            h = following;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(cache: &mut ColumnCache, i: usize, len: usize) -> usize {
        let (column, start) = cache.request(i, len);
        for (j, v) in column.iter_mut().enumerate().take(len).skip(start) {
            *v = (i * 100 + j) as f32;
        }
        start
    }

    #[test]
    fn a_cached_prefix_is_reused_and_only_the_rest_computed() {
        let mut cache = ColumnCache::new(4, 1 << 20);
        assert_eq!(fill(&mut cache, 1, 2), 0);
        assert_eq!(fill(&mut cache, 1, 4), 2);
        assert_eq!(fill(&mut cache, 1, 3), 3);
        assert_eq!(cache.column(1), &[100.0, 101.0, 102.0, 103.0]);
    }

    #[test]
    fn the_least_recently_used_column_is_evicted_first() {
        // The minimum budget: two full columns of 3.
        let mut cache = ColumnCache::new(3, 0);
        fill(&mut cache, 0, 3);
        fill(&mut cache, 1, 3);
        fill(&mut cache, 0, 3); // 0 is now the most recent
        assert_eq!(fill(&mut cache, 2, 3), 0);
        assert!(cache.column(1).is_empty());
        assert_eq!(cache.column(0).len(), 3);
    }

    #[test]
    fn swapping_positions_swaps_columns_and_entries() {
        let mut cache = ColumnCache::new(4, 1 << 20);
        fill(&mut cache, 0, 4);
        fill(&mut cache, 3, 2);
        cache.swap_index(1, 2);
        assert_eq!(cache.column(0), &[0.0, 2.0, 1.0, 3.0]);
        // Column 3 covered position 1 but not 2: dropped.
        assert!(cache.column(3).is_empty());
        cache.swap_index(0, 3);
        assert!(cache.column(0).is_empty());
        assert_eq!(cache.column(3), &[3.0, 2.0, 1.0, 0.0]);
    }
}
