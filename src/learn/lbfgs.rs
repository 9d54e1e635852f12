//! Limited-memory BFGS (Nocedal, 1980) for smooth unconstrained minimization, with a
//! line search that enforces the strong Wolfe conditions (Nocedal and Wright,
//! *Numerical Optimization*, algorithms 3.5 and 3.6).
//!
//! Why our own: the one user is the logistic-regression head, a smooth convex objective
//! on a flat `f64` vector. The Rust crate of the field (`argmin`) brings a math-backend
//! layer and its own vector types for what is here about 200 lines, and scikit-learn's
//! reference solver is SciPy's L-BFGS-B, whose stopping rules this copies (so that
//! `tol` and `max_iter` mean what they mean there), not argmin's.
//!
//! Stopping, as SciPy's L-BFGS-B called by scikit-learn: after each iteration, stop
//! when the largest gradient component is at most `gtol`, or when the relative decrease
//! `(f_old - f) / max(|f_old|, |f|, 1)` is at most `ftol`, or after `max_iter`
//! iterations. A line search that cannot find a Wolfe point (rounding noise next to
//! the optimum) ends the run at the best point found, and says so.
//!
//! Invariants: deterministic (no randomness, no threads); the returned point is the
//! last accepted one, whose objective is never above the starting one.

use std::collections::VecDeque;

/// Sufficient decrease (Armijo) constant of the line search.
const C1: f64 = 1e-4;
/// Curvature constant of the strong Wolfe condition (the usual value for quasi-Newton).
const C2: f64 = 0.9;

/// When to stop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LbfgsOptions {
    pub max_iter: usize,
    pub gtol: f64,
    pub ftol: f64,
    /// Correction pairs kept (SciPy's `maxcor`, 10).
    pub memory: usize,
    /// Objective evaluations allowed per line search (scikit-learn asks SciPy for 50).
    pub max_line_search: usize,
}

/// Why a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LbfgsStop {
    /// The largest gradient component fell to `gtol` or below.
    Gradient,
    /// The relative decrease of the objective fell to `ftol` or below.
    Objective,
    /// `max_iter` iterations ran without meeting either test.
    MaxIterations,
    /// No step along the search direction met the Wolfe conditions.
    LineSearch,
}

/// The end point of a run.
#[derive(Debug, Clone)]
pub(crate) struct LbfgsResult {
    pub x: Vec<f64>,
    pub f: f64,
    pub gradient_max: f64,
    pub iterations: usize,
    pub evaluations: usize,
    pub stop: LbfgsStop,
}

/// One correction pair `s = x_{k+1} - x_k`, `y = g_{k+1} - g_k`, and `1 / s.y`.
struct Correction {
    s: Vec<f64>,
    y: Vec<f64>,
    rho: f64,
}

/// Minimizes `objective`, which returns `f(x)` and writes the gradient into its second
/// argument, from `x0`.
pub(crate) fn minimize(
    mut objective: impl FnMut(&[f64], &mut [f64]) -> f64,
    x0: Vec<f64>,
    options: &LbfgsOptions,
) -> LbfgsResult {
    let n = x0.len();
    let mut x = x0;
    let mut g = vec![0.0; n];
    let mut f = objective(&x, &mut g);
    let mut evaluations = 1;
    let mut history: VecDeque<Correction> = VecDeque::with_capacity(options.memory);
    let mut direction = vec![0.0; n];
    let mut alphas = vec![0.0; options.memory];
    let mut trial = Trial::new(n);
    let done = |x: Vec<f64>, f, g: &[f64], iterations, evaluations, stop| LbfgsResult {
        x,
        f,
        gradient_max: max_abs(g),
        iterations,
        evaluations,
        stop,
    };
    if max_abs(&g) <= options.gtol {
        return done(x, f, &g, 0, evaluations, LbfgsStop::Gradient);
    }
    for iteration in 1..=options.max_iter {
        two_loop(&history, &g, &mut alphas, &mut direction);
        let mut slope = dot(&direction, &g);
        if slope.is_nan() || slope >= 0.0 {
            // Not a descent direction (rounding in the curvature pairs): restart from
            // steepest descent.
            history.clear();
            direction.iter_mut().zip(&g).for_each(|(d, &gi)| *d = -gi);
            slope = -dot(&g, &g);
        }
        // The first step of a run (or after a restart) has length 1, as SciPy's;
        // afterwards the quasi-Newton step is tried as it is.
        let initial = if history.is_empty() {
            (1.0 / norm(&direction)).min(1.0)
        } else {
            1.0
        };
        let search = line_search(
            &mut objective,
            &x,
            f,
            slope,
            &direction,
            initial,
            options.max_line_search,
            &mut trial,
        );
        evaluations += search.evaluations;
        let Some(accepted) = search.accepted else {
            return done(x, f, &g, iteration - 1, evaluations, LbfgsStop::LineSearch);
        };
        // s = x_new - x, y = g_new - g; kept when the curvature is safely positive.
        let (mut s, mut y) = match history.len() == options.memory {
            true => {
                let oldest = history.pop_front().expect("memory is at least 1");
                (oldest.s, oldest.y)
            }
            false => (vec![0.0; n], vec![0.0; n]),
        };
        for i in 0..n {
            s[i] = accepted.x[i] - x[i];
            y[i] = accepted.g[i] - g[i];
        }
        let sy = dot(&s, &y);
        if sy > f64::EPSILON * dot(&y, &y) {
            history.push_back(Correction {
                s,
                y,
                rho: 1.0 / sy,
            });
        }
        let f_old = f;
        x.copy_from_slice(accepted.x);
        g.copy_from_slice(accepted.g);
        f = accepted.f;
        if max_abs(&g) <= options.gtol {
            return done(x, f, &g, iteration, evaluations, LbfgsStop::Gradient);
        }
        if (f_old - f) / f_old.abs().max(f.abs()).max(1.0) <= options.ftol {
            return done(x, f, &g, iteration, evaluations, LbfgsStop::Objective);
        }
    }
    let iterations = options.max_iter;
    done(x, f, &g, iterations, evaluations, LbfgsStop::MaxIterations)
}

/// `direction = -H g`, with `H` the L-BFGS inverse Hessian approximation of `history`
/// scaled by `s.y / y.y` of the newest pair (the identity when there is none).
fn two_loop(history: &VecDeque<Correction>, g: &[f64], alphas: &mut [f64], direction: &mut [f64]) {
    direction.copy_from_slice(g);
    for (c, alpha) in history.iter().zip(alphas.iter_mut()).rev() {
        *alpha = c.rho * dot(&c.s, direction);
        axpy(-*alpha, &c.y, direction);
    }
    if let Some(newest) = history.back() {
        let gamma = 1.0 / (newest.rho * dot(&newest.y, &newest.y));
        direction.iter_mut().for_each(|d| *d *= gamma);
    }
    for (c, &alpha) in history.iter().zip(alphas.iter()) {
        let beta = c.rho * dot(&c.y, direction);
        axpy(alpha - beta, &c.s, direction);
    }
    direction.iter_mut().for_each(|d| *d = -*d);
}

/// A point evaluated by the line search.
#[derive(Clone)]
struct Point {
    step: f64,
    f: f64,
    /// Directional derivative `g . direction` at the point.
    slope: f64,
}

/// The buffers of the line search's current trial point.
struct Trial {
    x: Vec<f64>,
    g: Vec<f64>,
}

impl Trial {
    fn new(n: usize) -> Self {
        Self {
            x: vec![0.0; n],
            g: vec![0.0; n],
        }
    }
}

/// The accepted point of a line search.
struct Accepted<'a> {
    x: &'a [f64],
    g: &'a [f64],
    f: f64,
}

struct Search<'a> {
    accepted: Option<Accepted<'a>>,
    evaluations: usize,
}

/// Finds a step meeting the strong Wolfe conditions along `direction` (a descent
/// direction: `slope0 < 0`).
#[allow(clippy::too_many_arguments)]
fn line_search<'a>(
    objective: &mut impl FnMut(&[f64], &mut [f64]) -> f64,
    x: &[f64],
    f0: f64,
    slope0: f64,
    direction: &[f64],
    initial: f64,
    max_evaluations: usize,
    trial: &'a mut Trial,
) -> Search<'a> {
    let mut evaluations = 0;
    let armijo = |p: &Point| p.f.is_finite() && p.f <= f0 + C1 * p.step * slope0;
    let curvature = |p: &Point| p.slope.abs() <= -C2 * slope0;

    let mut previous = Point {
        step: 0.0,
        f: f0,
        slope: slope0,
    };
    let mut step = initial;
    // Bracketing: grow the step until it overshoots (or meets the conditions).
    let (mut lo, mut hi) = loop {
        if evaluations >= max_evaluations {
            return Search {
                accepted: None,
                evaluations,
            };
        }
        let point = evaluate(objective, x, direction, step, trial);
        evaluations += 1;
        if !armijo(&point) || (previous.step > 0.0 && point.f >= previous.f) {
            break (previous, point);
        }
        if curvature(&point) {
            return accept(trial, point.f, evaluations);
        }
        if point.slope >= 0.0 {
            break (point, previous);
        }
        previous = point;
        step *= 2.0;
    };
    // Zoom: shrink [lo, hi]; lo always meets Armijo and has the lower objective.
    while evaluations < max_evaluations
        && (hi.step - lo.step).abs() > f64::EPSILON * lo.step.abs().max(hi.step.abs())
    {
        let point = evaluate(objective, x, direction, interpolate(&lo, &hi), trial);
        evaluations += 1;
        if !armijo(&point) || point.f >= lo.f {
            hi = point;
        } else {
            if curvature(&point) {
                return accept(trial, point.f, evaluations);
            }
            if point.slope * (hi.step - lo.step) >= 0.0 {
                hi = lo;
            }
            lo = point;
        }
    }
    // No Wolfe point within the budget: settle for the best point with sufficient
    // decrease, if any step reached one (evaluated once more to restore its gradient).
    if lo.step > 0.0 {
        let point = evaluate(objective, x, direction, lo.step, trial);
        return accept(trial, point.f, evaluations + 1);
    }
    Search {
        accepted: None,
        evaluations,
    }
}

/// Evaluates the objective at `x + step * direction` into `trial`.
fn evaluate(
    objective: &mut impl FnMut(&[f64], &mut [f64]) -> f64,
    x: &[f64],
    direction: &[f64],
    step: f64,
    trial: &mut Trial,
) -> Point {
    for ((t, &xi), &di) in trial.x.iter_mut().zip(x).zip(direction) {
        *t = xi + step * di;
    }
    let f = objective(&trial.x, &mut trial.g);
    let slope = dot(&trial.g, direction);
    Point { step, f, slope }
}

fn accept(trial: &Trial, f: f64, evaluations: usize) -> Search<'_> {
    Search {
        accepted: Some(Accepted {
            x: &trial.x,
            g: &trial.g,
            f,
        }),
        evaluations,
    }
}

/// The minimizer of the cubic through both ends (values and slopes), kept at least a
/// tenth of the interval away from either end; bisection when the cubic has no
/// minimizer or an end is not finite.
fn interpolate(a: &Point, b: &Point) -> f64 {
    let (low, high) = (a.step.min(b.step), a.step.max(b.step));
    let width = high - low;
    let bisection = low + 0.5 * width;
    if !(a.f.is_finite() && b.f.is_finite() && a.slope.is_finite() && b.slope.is_finite()) {
        return bisection;
    }
    let d1 = a.slope + b.slope - 3.0 * (a.f - b.f) / (a.step - b.step);
    let discriminant = d1 * d1 - a.slope * b.slope;
    if discriminant.is_nan() || discriminant < 0.0 {
        return bisection;
    }
    let d2 = (b.step - a.step).signum() * discriminant.sqrt();
    let step = b.step - (b.step - a.step) * (b.slope + d2 - d1) / (b.slope - a.slope + 2.0 * d2);
    if step.is_finite() && step >= low + 0.1 * width && step <= high - 0.1 * width {
        step
    } else {
        bisection
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

fn max_abs(a: &[f64]) -> f64 {
    a.iter().fold(0.0, |m, x| m.max(x.abs()))
}

fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    y.iter_mut().zip(x).for_each(|(yi, &xi)| *yi += alpha * xi);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(max_iter: usize) -> LbfgsOptions {
        LbfgsOptions {
            max_iter,
            gtol: 1e-10,
            ftol: 0.0,
            memory: 10,
            max_line_search: 50,
        }
    }

    /// Rosenbrock's function in `n` dimensions: minimum 0 at (1, ..., 1).
    fn rosenbrock(x: &[f64], g: &mut [f64]) -> f64 {
        g.fill(0.0);
        let mut f = 0.0;
        for i in 0..x.len() - 1 {
            let a = x[i + 1] - x[i] * x[i];
            let b = 1.0 - x[i];
            f += 100.0 * a * a + b * b;
            g[i] += -400.0 * a * x[i] - 2.0 * b;
            g[i + 1] += 200.0 * a;
        }
        f
    }

    #[test]
    fn it_finds_the_minimum_of_rosenbrocks_function() {
        let result = minimize(rosenbrock, vec![-1.2, 1.0, -1.2, 1.0, 0.5], &options(500));
        assert!(
            matches!(result.stop, LbfgsStop::Gradient | LbfgsStop::LineSearch),
            "{:?}",
            result.stop
        );
        for xi in &result.x {
            assert!((xi - 1.0).abs() < 1e-6, "{:?}", result.x);
        }
        assert!(result.f < 1e-12);
    }

    #[test]
    fn a_convex_quadratic_is_solved_exactly_and_the_counts_are_reported() {
        // f = sum_i (i + 1) (x_i - i)^2 / 2: ill-conditioned 1..20.
        let quadratic = |x: &[f64], g: &mut [f64]| {
            let mut f = 0.0;
            for (i, (xi, gi)) in x.iter().zip(g.iter_mut()).enumerate() {
                let w = (i + 1) as f64;
                f += 0.5 * w * (xi - i as f64).powi(2);
                *gi = w * (xi - i as f64);
            }
            f
        };
        let result = minimize(quadratic, vec![0.0; 20], &options(200));
        assert_eq!(result.stop, LbfgsStop::Gradient);
        assert!(result.gradient_max <= 1e-10);
        for (i, xi) in result.x.iter().enumerate() {
            assert!((xi - i as f64).abs() < 1e-9);
        }
        assert!(result.iterations > 0 && result.evaluations >= result.iterations);
    }

    #[test]
    fn the_iteration_limit_and_the_objective_test_stop_a_run() {
        let result = minimize(rosenbrock, vec![-1.2, 1.0], &options(3));
        assert_eq!(result.stop, LbfgsStop::MaxIterations);
        assert_eq!(result.iterations, 3);
        let loose = LbfgsOptions {
            ftol: 1e-2,
            ..options(500)
        };
        let result = minimize(rosenbrock, vec![-1.2, 1.0], &loose);
        assert_eq!(result.stop, LbfgsStop::Objective);
    }

    #[test]
    fn a_start_at_the_minimum_needs_no_iteration() {
        let result = minimize(rosenbrock, vec![1.0, 1.0], &options(10));
        assert_eq!((result.stop, result.iterations), (LbfgsStop::Gradient, 0));
    }
}
