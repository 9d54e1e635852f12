use super::*;
use crate::learn::rng::Rng;

fn random(rng: &mut Rng, n: usize, scale: f32) -> Vec<f32> {
    (0..n).map(|_| (rng.normal() as f32) * scale).collect()
}

/// Lengths around the 8-lane steps, and the study's 2,048.
const LENGTHS: [usize; 9] = [1, 7, 8, 9, 15, 16, 17, 100, 2048];

/// Sample counts covering full blocks, leftovers, and more than one gradient sweep.
const SAMPLES: [usize; 8] = [1, 3, 4, 5, 8, 9, 33, 70];

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn logits_match_an_f64_reference_for_every_shape() {
    let mut rng = Rng::new(1);
    for classes in 1..=7 {
        for d in LENGTHS {
            for samples in SAMPLES {
                let weights = random(&mut rng, classes * d, 1.0);
                let data = random(&mut rng, samples * d, 1.0);
                let xs: Vec<&[f32]> = data.chunks(d).collect();
                let mut logits = vec![0.0; samples * classes];
                Kernel::detect().logits(&weights, &xs, &xs[..1], &mut logits);
                for (s, x) in xs.iter().enumerate() {
                    for k in 0..classes {
                        let exact: f64 = weights[k * d..(k + 1) * d]
                            .iter()
                            .zip(x.iter())
                            .map(|(&w, &v)| f64::from(w) * f64::from(v))
                            .sum();
                        let got = f64::from(logits[s * classes + k]);
                        assert!(
                            (got - exact).abs() < 1e-5 * (d as f64).sqrt(),
                            "{classes} classes, {d} features, sample {s} of {samples}, class {k}: {got} vs {exact}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn accumulate_adds_each_scaled_vector_in_sample_order() {
    let mut rng = Rng::new(2);
    for classes in 1..=7 {
        for d in LENGTHS {
            for samples in SAMPLES {
                let start = random(&mut rng, classes * d, 1.0);
                let coeffs = random(&mut rng, samples * classes, 1.0);
                let data = random(&mut rng, samples * d, 1.0);
                let xs: Vec<&[f32]> = data.chunks(d).collect();
                let mut grads = start.clone();
                Kernel::detect().accumulate(&mut grads, &coeffs, &xs);
                let mut expected = start.clone();
                for (s, x) in xs.iter().enumerate() {
                    for k in 0..classes {
                        for j in 0..d {
                            let g = &mut expected[k * d + j];
                            *g = coeffs[s * classes + k].mul_add(x[j], *g);
                        }
                    }
                }
                assert_eq!(
                    bits(&grads),
                    bits(&expected),
                    "{classes} x {d}, {samples} samples"
                );
            }
        }
    }
}

#[test]
fn a_logit_does_not_depend_on_the_block_it_is_computed_in() {
    let mut rng = Rng::new(4);
    let (classes, d) = (3, 2051);
    let weights = random(&mut rng, classes * d, 1e3);
    let data = random(&mut rng, 4 * d, 1e-2);
    let xs: Vec<&[f32]> = data.chunks(d).collect();
    let mut together = vec![0.0; 4 * classes];
    Kernel::detect().logits(&weights, &xs, &[], &mut together);
    for (s, x) in xs.iter().enumerate() {
        let mut alone = vec![0.0; classes];
        Kernel::detect().logits(&weights, &[x], &[], &mut alone);
        assert_eq!(
            bits(&alone),
            bits(&together[s * classes..(s + 1) * classes])
        );
    }
}

#[test]
fn the_vector_and_portable_kernels_give_identical_bits() {
    let detected = Kernel::detect();
    if detected == Kernel::Portable {
        eprintln!("no vector kernel on this CPU: nothing to compare");
        return;
    }
    let mut rng = Rng::new(3);
    for classes in 1..=7 {
        for d in LENGTHS {
            for samples in SAMPLES {
                // Mixed magnitudes make any difference in summation order visible.
                let weights = random(&mut rng, classes * d, 1e3);
                let data = random(&mut rng, samples * d, 1e-2);
                let xs: Vec<&[f32]> = data.chunks(d).collect();
                let mut fast = vec![0.0; samples * classes];
                let mut slow = fast.clone();
                detected.logits(&weights, &xs, &xs, &mut fast);
                Kernel::Portable.logits(&weights, &xs, &[], &mut slow);
                assert_eq!(
                    bits(&fast),
                    bits(&slow),
                    "{classes} x {d}, {samples} samples"
                );
                let coeffs = random(&mut rng, samples * classes, 1.0);
                let (mut fast, mut slow) = (weights.clone(), weights.clone());
                detected.accumulate(&mut fast, &coeffs, &xs);
                Kernel::Portable.accumulate(&mut slow, &coeffs, &xs);
                assert_eq!(bits(&fast), bits(&slow));
            }
        }
    }
}

#[test]
fn huge_features_give_finite_logits() {
    // Random-weight networks emit features near 1e10; 2,048 of them times weights
    // near 1e3 stay far below f32::MAX (3.4e38).
    let d = 2048;
    let x = vec![1e10f32; d];
    let weights = vec![1e3f32; 3 * d];
    let mut logits = [0.0; 3];
    Kernel::detect().logits(&weights, &[&x], &[], &mut logits);
    assert!(logits.iter().all(|l| l.is_finite() && *l > 2e16));
}
