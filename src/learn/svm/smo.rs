//! libsvm's SMO solver for one binary C-SVC problem, ported from its `Solver` class
//! (scikit-learn's copy, svm.cpp), statement for statement where it decides a result:
//!
//! `min 1/2 a^T Q a - e^T a` subject to `y^T a = 0`, `0 <= a_i <= C`, with
//! `Q_ij = y_i y_j K(x_i, x_j)`.
//!
//! - Working set selection WSS2 (Fan, Chen and Lin, JMLR 6, 2005): `i` maximizes
//!   `-y_i grad_i` over the variables that can move up, `j` the second-order decrease
//!   of the objective; ties go to the last index scanned (`>=` and `<=`, as libsvm).
//! - Stopping: when the maximal violation `Gmax + Gmax2` is below `tol`; the gradient
//!   is then rebuilt over shrunk variables and the test repeated on all of them.
//! - Shrinking (optional) every `min(l, 1000)` iterations, with libsvm's rules, and the
//!   unshrinking once the violation is within `10 tol`.
//! - `rho` as libsvm: the mean of `y_i grad_i` over free variables, else the middle
//!   of the feasible interval.
//!
//! Invariants: the result is a pure function of the problem (no randomness, one
//! thread); `Q` is computed in `f64` and stored as `f32` (libsvm's `Qfloat`), the
//! gradient kept in `f64`.

use ndarray::Array2;

use super::cache::ColumnCache;
use super::kernel::{KernelFunction, dot};

/// libsvm's `TAU`: the curvature used when the pair's own is not positive.
const TAU: f64 = 1e-12;

/// One binary problem: the first `n_positive` rows of `x` have `y = +1`, the rest `-1`.
pub(super) struct Problem<'a> {
    pub x: &'a Array2<f64>,
    pub n_positive: usize,
    pub kernel: KernelFunction,
    pub c: f64,
    pub tol: f64,
    pub shrinking: bool,
    pub cache_bytes: usize,
    pub max_iter: u64,
}

/// The solver's answer.
pub(super) struct Solution {
    /// `y_i a_i` per row of the problem (the coefficient of row `i`'s kernel).
    pub coef: Vec<f64>,
    pub rho: f64,
    /// `1/2 a^T Q a - e^T a` at the solution.
    pub objective: f64,
    pub iterations: u64,
    /// False when `max_iter` stopped the solver.
    pub converged: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bound {
    Lower,
    Upper,
    Free,
}

/// The `Q` matrix of a problem, its diagonal, and the cache of its columns, all by
/// position in the solver's current order.
struct QMatrix<'a> {
    x: &'a Array2<f64>,
    kernel: KernelFunction,
    /// Squared norm per row (RBF only), by row of `x`.
    squares: Vec<f64>,
    /// `y` per row of `x`.
    y: Vec<f64>,
    /// `Q_ii` per row of `x`.
    diagonal: Vec<f64>,
    /// Row of `x` at each position.
    order: Vec<usize>,
    cache: ColumnCache,
}

impl<'a> QMatrix<'a> {
    fn new(problem: &Problem<'a>) -> Self {
        let x = problem.x;
        let l = x.nrows();
        let squares: Vec<f64> = if problem.kernel.needs_norms() {
            x.rows()
                .into_iter()
                .map(|r| {
                    let r = r.as_slice().expect("contiguous rows");
                    dot(r, r)
                })
                .collect()
        } else {
            vec![0.0; l]
        };
        let diagonal = (0..l)
            .map(|i| {
                let r = x.row(i);
                let r = r.as_slice().expect("contiguous rows");
                problem.kernel.of_dot(dot(r, r), squares[i], squares[i])
            })
            .collect();
        Self {
            x,
            kernel: problem.kernel,
            squares,
            y: (0..l)
                .map(|i| if i < problem.n_positive { 1.0 } else { -1.0 })
                .collect(),
            diagonal,
            order: (0..l).collect(),
            cache: ColumnCache::new(l, problem.cache_bytes),
        }
    }

    /// Makes column `i` valid over positions `[0, len)`.
    fn fill(&mut self, i: usize, len: usize) {
        let (column, start) = self.cache.request(i, len);
        if start >= len {
            return;
        }
        let a = self.order[i];
        let row_a = self.x.row(a);
        let row_a = row_a.as_slice().expect("contiguous rows");
        for (position, q) in column.iter_mut().enumerate().take(len).skip(start) {
            let b = self.order[position];
            let row_b = self.x.row(b);
            let k = self.kernel.of_dot(
                dot(row_a, row_b.as_slice().expect("contiguous rows")),
                self.squares[a],
                self.squares[b],
            );
            *q = (self.y[a] * self.y[b] * k) as f32;
        }
    }

    fn column(&self, i: usize) -> &[f32] {
        self.cache.column(i)
    }

    fn diagonal(&self, i: usize) -> f64 {
        self.diagonal[self.order[i]]
    }

    fn swap_index(&mut self, i: usize, j: usize) {
        self.cache.swap_index(i, j);
        self.order.swap(i, j);
    }
}

/// The solver state, by position (positions are permuted by shrinking).
struct Solver<'a> {
    q: QMatrix<'a>,
    l: usize,
    active_size: usize,
    y: Vec<i8>,
    gradient: Vec<f64>,
    status: Vec<Bound>,
    alpha: Vec<f64>,
    c: Vec<f64>,
    p: Vec<f64>,
    active_set: Vec<usize>,
    /// The gradient part due to variables at their upper bound.
    gradient_bar: Vec<f64>,
    eps: f64,
    unshrink: bool,
}

/// Solves `problem` (which must have at least one row of each sign).
pub(super) fn solve(problem: &Problem<'_>) -> Solution {
    let l = problem.x.nrows();
    let y: Vec<i8> = (0..l)
        .map(|i| if i < problem.n_positive { 1 } else { -1 })
        .collect();
    // alpha starts at 0 (all at the lower bound), so the gradient starts at p = -e and
    // the upper-bound part of it at 0.
    let mut solver = Solver {
        q: QMatrix::new(problem),
        l,
        active_size: l,
        y: y.clone(),
        gradient: vec![-1.0; l],
        status: vec![Bound::Lower; l],
        alpha: vec![0.0; l],
        c: vec![problem.c; l],
        p: vec![-1.0; l],
        active_set: (0..l).collect(),
        gradient_bar: vec![0.0; l],
        eps: problem.tol,
        unshrink: false,
    };
    let (iterations, converged) = solver.run(problem.shrinking, problem.max_iter);
    let rho = solver.rho();
    let objective = (0..l)
        .map(|i| solver.alpha[i] * (solver.gradient[i] + solver.p[i]))
        .sum::<f64>()
        / 2.0;
    let mut coef = vec![0.0; l];
    for (position, &row) in solver.active_set.iter().enumerate() {
        coef[row] = solver.alpha[position] * f64::from(y[row]);
    }
    Solution {
        coef,
        rho,
        objective,
        iterations,
        converged,
    }
}

impl Solver<'_> {
    fn update_status(&mut self, i: usize) {
        self.status[i] = if self.alpha[i] >= self.c[i] {
            Bound::Upper
        } else if self.alpha[i] <= 0.0 {
            Bound::Lower
        } else {
            Bound::Free
        };
    }

    fn is_upper(&self, i: usize) -> bool {
        self.status[i] == Bound::Upper
    }

    fn is_lower(&self, i: usize) -> bool {
        self.status[i] == Bound::Lower
    }

    fn is_free(&self, i: usize) -> bool {
        self.status[i] == Bound::Free
    }

    /// The SMO loop; returns the iterations run and whether the stopping test ended it.
    fn run(&mut self, shrinking: bool, max_iter: u64) -> (u64, bool) {
        let mut iterations = 0u64;
        let mut counter = self.l.min(1000) + 1;
        loop {
            if iterations >= max_iter {
                return (iterations, false);
            }
            counter -= 1;
            if counter == 0 {
                counter = self.l.min(1000);
                if shrinking {
                    self.do_shrinking();
                }
            }
            let (i, j) = match self.select_working_set() {
                Some(pair) => pair,
                None => {
                    // Optimal on the active set: check again on all variables.
                    self.reconstruct_gradient();
                    self.active_size = self.l;
                    match self.select_working_set() {
                        Some(pair) => {
                            counter = 1; // shrink at the next iteration
                            pair
                        }
                        None => return (iterations, true),
                    }
                }
            };
            iterations += 1;
            self.take_step(i, j);
        }
    }

    /// Optimizes the pair `(i, j)` analytically and updates the gradients.
    fn take_step(&mut self, i: usize, j: usize) {
        let active = self.active_size;
        self.q.fill(i, active);
        self.q.fill(j, active);
        let (c_i, c_j) = (self.c[i], self.c[j]);
        let (old_i, old_j) = (self.alpha[i], self.alpha[j]);
        {
            let q_i = self.q.column(i);
            let q_ij = f64::from(q_i[j]);
            let (qd_i, qd_j) = (self.q.diagonal(i), self.q.diagonal(j));
            let alpha = &mut self.alpha;
            let g = &self.gradient;
            if self.y[i] != self.y[j] {
                let mut quad = qd_i + qd_j + 2.0 * q_ij;
                if quad <= 0.0 {
                    quad = TAU;
                }
                let delta = (-g[i] - g[j]) / quad;
                let diff = alpha[i] - alpha[j];
                alpha[i] += delta;
                alpha[j] += delta;
                if diff > 0.0 {
                    if alpha[j] < 0.0 {
                        alpha[j] = 0.0;
                        alpha[i] = diff;
                    }
                } else if alpha[i] < 0.0 {
                    alpha[i] = 0.0;
                    alpha[j] = -diff;
                }
                if diff > c_i - c_j {
                    if alpha[i] > c_i {
                        alpha[i] = c_i;
                        alpha[j] = c_i - diff;
                    }
                } else if alpha[j] > c_j {
                    alpha[j] = c_j;
                    alpha[i] = c_j + diff;
                }
            } else {
                let mut quad = qd_i + qd_j - 2.0 * q_ij;
                if quad <= 0.0 {
                    quad = TAU;
                }
                let delta = (g[i] - g[j]) / quad;
                let sum = alpha[i] + alpha[j];
                alpha[i] -= delta;
                alpha[j] += delta;
                if sum > c_i {
                    if alpha[i] > c_i {
                        alpha[i] = c_i;
                        alpha[j] = sum - c_i;
                    }
                } else if alpha[j] < 0.0 {
                    alpha[j] = 0.0;
                    alpha[i] = sum;
                }
                if sum > c_j {
                    if alpha[j] > c_j {
                        alpha[j] = c_j;
                        alpha[i] = sum - c_j;
                    }
                } else if alpha[i] < 0.0 {
                    alpha[i] = 0.0;
                    alpha[j] = sum;
                }
            }
        }
        let delta_i = self.alpha[i] - old_i;
        let delta_j = self.alpha[j] - old_j;
        {
            let (q_i, q_j) = (self.q.column(i), self.q.column(j));
            for ((g, &a), &b) in self.gradient[..active]
                .iter_mut()
                .zip(&q_i[..active])
                .zip(&q_j[..active])
            {
                *g += f64::from(a) * delta_i + f64::from(b) * delta_j;
            }
        }
        for (k, c_k) in [(i, c_i), (j, c_j)] {
            let was_upper = self.is_upper(k);
            self.update_status(k);
            if was_upper != self.is_upper(k) {
                self.q.fill(k, self.l);
                let sign = if was_upper { -c_k } else { c_k };
                for (bar, &q) in self.gradient_bar.iter_mut().zip(self.q.column(k)) {
                    *bar += sign * f64::from(q);
                }
            }
        }
    }

    /// WSS2; `None` when the maximal violation is below `eps`.
    fn select_working_set(&mut self) -> Option<(usize, usize)> {
        let active = self.active_size;
        let mut gmax = f64::NEG_INFINITY;
        let mut gmax2 = f64::NEG_INFINITY;
        let mut gmax_index = None;
        let mut gmin_index = None;
        let mut best_decrease = f64::INFINITY;
        for t in 0..active {
            if self.y[t] == 1 {
                if !self.is_upper(t) && -self.gradient[t] >= gmax {
                    gmax = -self.gradient[t];
                    gmax_index = Some(t);
                }
            } else if !self.is_lower(t) && self.gradient[t] >= gmax {
                gmax = self.gradient[t];
                gmax_index = Some(t);
            }
        }
        let i = gmax_index?;
        self.q.fill(i, active);
        let q_i = self.q.column(i);
        let qd_i = self.q.diagonal(i);
        let y_i = f64::from(self.y[i]);
        for (j, &q_ij) in q_i[..active].iter().enumerate() {
            let (g_j, y_j) = (self.gradient[j], self.y[j]);
            let (movable, grad_diff, sign) = if y_j == 1 {
                if g_j >= gmax2 && !self.is_lower(j) {
                    gmax2 = g_j;
                }
                (!self.is_lower(j), gmax + g_j, -1.0)
            } else {
                if -g_j >= gmax2 && !self.is_upper(j) {
                    gmax2 = -g_j;
                }
                (!self.is_upper(j), gmax - g_j, 1.0)
            };
            if movable && grad_diff > 0.0 {
                let quad = qd_i + self.q.diagonal(j) + sign * 2.0 * y_i * f64::from(q_ij);
                let decrease = if quad > 0.0 {
                    -(grad_diff * grad_diff) / quad
                } else {
                    -(grad_diff * grad_diff) / TAU
                };
                if decrease <= best_decrease {
                    gmin_index = Some(j);
                    best_decrease = decrease;
                }
            }
        }
        if gmax + gmax2 < self.eps {
            return None;
        }
        Some((i, gmin_index?))
    }

    fn be_shrunk(&self, i: usize, gmax1: f64, gmax2: f64) -> bool {
        let g = self.gradient[i];
        if self.is_upper(i) {
            if self.y[i] == 1 {
                -g > gmax1
            } else {
                -g > gmax2
            }
        } else if self.is_lower(i) {
            if self.y[i] == 1 { g > gmax2 } else { g > gmax1 }
        } else {
            false
        }
    }

    fn do_shrinking(&mut self) {
        let mut gmax1 = f64::NEG_INFINITY; // max { -y_i grad_i | i in I_up }
        let mut gmax2 = f64::NEG_INFINITY; // max { y_i grad_i | i in I_low }
        for i in 0..self.active_size {
            let g = self.gradient[i];
            if self.y[i] == 1 {
                if !self.is_upper(i) {
                    gmax1 = gmax1.max(-g);
                }
                if !self.is_lower(i) {
                    gmax2 = gmax2.max(g);
                }
            } else {
                if !self.is_upper(i) {
                    gmax2 = gmax2.max(-g);
                }
                if !self.is_lower(i) {
                    gmax1 = gmax1.max(g);
                }
            }
        }
        if !self.unshrink && gmax1 + gmax2 <= self.eps * 10.0 {
            self.unshrink = true;
            self.reconstruct_gradient();
            self.active_size = self.l;
        }
        let mut i = 0;
        while i < self.active_size {
            if self.be_shrunk(i, gmax1, gmax2) {
                self.active_size -= 1;
                while self.active_size > i {
                    if !self.be_shrunk(self.active_size, gmax1, gmax2) {
                        self.swap_index(i, self.active_size);
                        break;
                    }
                    self.active_size -= 1;
                }
            }
            i += 1;
        }
    }

    /// Rebuilds the gradient of the shrunk variables from `gradient_bar` and the free
    /// variables.
    fn reconstruct_gradient(&mut self) {
        let (active, l) = (self.active_size, self.l);
        if active == l {
            return;
        }
        for j in active..l {
            self.gradient[j] = self.gradient_bar[j] + self.p[j];
        }
        let free = (0..active).filter(|&j| self.is_free(j)).count();
        if free * l > 2 * active * (l - active) {
            for i in active..l {
                self.q.fill(i, active);
                let q_i = self.q.column(i);
                for j in (0..active).filter(|&j| self.status[j] == Bound::Free) {
                    self.gradient[i] += self.alpha[j] * f64::from(q_i[j]);
                }
            }
        } else {
            for i in 0..active {
                if self.is_free(i) {
                    self.q.fill(i, l);
                    let q_i = self.q.column(i);
                    let alpha_i = self.alpha[i];
                    for (g, &q) in self.gradient[active..l].iter_mut().zip(&q_i[active..l]) {
                        *g += alpha_i * f64::from(q);
                    }
                }
            }
        }
    }

    fn swap_index(&mut self, i: usize, j: usize) {
        self.q.swap_index(i, j);
        self.y.swap(i, j);
        self.gradient.swap(i, j);
        self.status.swap(i, j);
        self.alpha.swap(i, j);
        self.p.swap(i, j);
        self.active_set.swap(i, j);
        self.gradient_bar.swap(i, j);
        self.c.swap(i, j);
    }

    fn rho(&self) -> f64 {
        let (mut upper, mut lower) = (f64::INFINITY, f64::NEG_INFINITY);
        let (mut free, mut sum_free) = (0usize, 0.0);
        for i in 0..self.active_size {
            let yg = f64::from(self.y[i]) * self.gradient[i];
            if self.is_upper(i) {
                if self.y[i] == -1 {
                    upper = upper.min(yg);
                } else {
                    lower = lower.max(yg);
                }
            } else if self.is_lower(i) {
                if self.y[i] == 1 {
                    upper = upper.min(yg);
                } else {
                    lower = lower.max(yg);
                }
            } else {
                free += 1;
                sum_free += yg;
            }
        }
        if free > 0 {
            sum_free / free as f64
        } else {
            (upper + lower) / 2.0
        }
    }
}
