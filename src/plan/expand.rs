//! From declared stages to instances: kinds looked up, ports bound, sweeps expanded,
//! parameters checked.
//!
//! Sweeps propagate: a stage reading a swept stage through a `One` port gets one instance per
//! upstream instance (instances of several swept upstreams are joined on their common axes),
//! times its own matrix. A `Many` port gathers every upstream instance that agrees with the
//! reader on their common axes.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_yaml::{Mapping, Value};

use super::cycle::order;
use super::file_refs::{FileRef, file_refs};
use super::{Instance, Plan, instance_id};
use crate::spec::{
    Coordinates, Inputs, Pipeline, SpecError, SpecErrorKind, StageDecl, did_you_mean, label,
};
use crate::stage_api::{Arity, FileParam, KindInfo, Registry, lookup};

/// Expands and checks `pipeline`, whose stages name kinds of `kinds`.
pub fn build(pipeline: Pipeline, kinds: Registry) -> Result<Plan, SpecError> {
    let pipeline = Arc::new(pipeline);
    let mut refs: BTreeMap<String, Vec<FileRef>> = BTreeMap::new();
    for decl in &pipeline.stages {
        refs.insert(decl.name.clone(), checked_file_refs(&pipeline, decl)?);
    }
    let edges: BTreeMap<String, Vec<String>> = pipeline
        .stages
        .iter()
        .map(|s| {
            let mut ups: Vec<String> = s.inputs.stages().into_iter().map(str::to_string).collect();
            ups.extend(refs[&s.name].iter().map(|r| r.stage.clone()));
            (s.name.clone(), ups)
        })
        .collect();
    let stage_order = order(&edges).map_err(|cycle| {
        pipeline.error_at(
            SpecErrorKind::Cycle,
            &["stages", &cycle[0]],
            format!("the stages form a cycle: {}", cycle.join(" -> ")),
        )
    })?;

    let mut instances: Vec<Instance> = Vec::new();
    let mut by_stage: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for name in &stage_order {
        let decl = pipeline.stage(name).expect("ordered stages exist");
        let kind = lookup_kind(&pipeline, decl, kinds)?;
        let mut ports = bind_ports(&pipeline, decl, kind)?;
        for file in &refs[name] {
            ports.insert(
                FileParam::port(&file.param),
                (Arity::One, vec![file.stage.clone()]),
            );
        }
        let own = decl.matrix.combinations();
        // Upstreams whose instances this stage follows: those of One ports, and `per:`.
        let followed: Vec<&String> = ports
            .values()
            .filter(|(arity, _)| *arity == Arity::One)
            .flat_map(|(_, ups)| ups)
            .chain(&decl.per)
            .collect();
        for axis in decl.matrix.axes() {
            for &up in &followed {
                if by_stage[up]
                    .iter()
                    .any(|&i| instances[i].coordinates.contains_key(axis))
                {
                    return Err(pipeline.error_at(
                        SpecErrorKind::Invalid,
                        &["stages", name, "matrix", axis],
                        format!("axis `{axis}` is already swept by upstream stage `{up}`"),
                    ));
                }
            }
        }
        // Join the instance sets of the followed upstreams, then the stage's own matrix.
        let mut combos: Vec<Coordinates> = vec![Coordinates::new()];
        for &up in &followed {
            let theirs: Vec<&Coordinates> = by_stage[up]
                .iter()
                .map(|&i| &instances[i].coordinates)
                .collect();
            combos = join(&combos, &theirs);
        }
        combos = combos
            .into_iter()
            .flat_map(|base| {
                own.iter().map(move |mine| {
                    let mut c = base.clone();
                    c.extend(mine.clone());
                    c
                })
            })
            .collect();
        for coordinates in combos {
            let instance_label = label(&coordinates);
            let with = params_for(decl, &coordinates);
            let kind_stage = kind.build(Value::Mapping(with)).map_err(|e| {
                let top = e.path.split('.').next().unwrap_or("");
                if decl.matrix.axes().any(|a| a == e.path || a == top) && !e.path.is_empty() {
                    pipeline.error_at(
                        SpecErrorKind::Invalid,
                        &["stages", name, "matrix", &e.path],
                        format!(
                            "{} (in instance `{}`)",
                            e.message,
                            instance_id(name, &instance_label)
                        ),
                    )
                } else {
                    pipeline.param_error(decl, &e.path, e.message)
                }
            })?;
            let mut inputs: BTreeMap<String, Vec<usize>> = BTreeMap::new();
            for (port, (arity, ups)) in &ports {
                let bound: Vec<usize> = ups
                    .iter()
                    .flat_map(|up| by_stage[up].iter().copied())
                    .filter(|&i| agrees(&instances[i].coordinates, &coordinates))
                    .collect();
                if *arity == Arity::One && bound.len() != 1 {
                    return Err(pipeline.error_at(
                        SpecErrorKind::Invalid,
                        &["stages", name],
                        format!("input `{port}` of `{name}` matches {} upstream instances, expected one", bound.len()),
                    ));
                }
                inputs.insert(port.clone(), bound);
            }
            let index = instances.len();
            instances.push(Instance {
                id: instance_id(name, &instance_label),
                stage: name.clone(),
                label: instance_label,
                coordinates,
                publish: decl
                    .publish
                    .unwrap_or_else(|| kind_stage.publish_by_default()),
                kind: kind_stage,
                inputs,
                resources: decl.resources.clone(),
            });
            by_stage.entry(name.clone()).or_default().push(index);
        }
    }
    Ok(Plan {
        pipeline,
        instances,
    })
}

fn lookup_kind(
    pipeline: &Pipeline,
    decl: &StageDecl,
    kinds: Registry,
) -> Result<&'static KindInfo, SpecError> {
    lookup(kinds, &decl.kind).ok_or_else(|| {
        let names = kinds.iter().map(|k| k.name);
        let hint = did_you_mean(&decl.kind, names.clone());
        let message = if hint.is_empty() {
            format!(
                "unknown stage kind `{}`; the kinds are {}",
                decl.kind,
                names
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            format!("unknown stage kind `{}`{hint}", decl.kind)
        };
        let key: &[&str] = if decl.definition.is_some() {
            &["stages", &decl.name, "uses"]
        } else {
            &["stages", &decl.name, "kind"]
        };
        pipeline.error_at(SpecErrorKind::UnknownKind, key, message)
    })
}

/// Port name -> (arity, upstream stage names), checked against the kind.
fn bind_ports(
    pipeline: &Pipeline,
    decl: &StageDecl,
    kind: &KindInfo,
) -> Result<BTreeMap<String, (Arity, Vec<String>)>, SpecError> {
    let name = decl.name.as_str();
    let mut bound: BTreeMap<String, (Arity, Vec<String>)> = BTreeMap::new();
    match &decl.inputs {
        Inputs::Main(ups) if ups.is_empty() => {}
        Inputs::Main(ups) => {
            let Some(port) = kind.ports.first() else {
                return Err(pipeline.error_at(
                    SpecErrorKind::Invalid,
                    &["stages", name, "input"],
                    format!("kind `{}` takes no input", kind.name),
                ));
            };
            if kind.ports.iter().filter(|p| p.required).count() > 1 {
                let names: Vec<String> =
                    kind.ports.iter().map(|p| format!("`{}`", p.name)).collect();
                return Err(pipeline.error_at(
                    SpecErrorKind::Invalid,
                    &["stages", name, "input"],
                    format!("kind `{}` has several inputs ({}); bind them with `inputs: {{port: stage}}`", kind.name, names.join(", ")),
                ));
            }
            bound.insert(port.name.to_string(), (port.arity, ups.clone()));
        }
        Inputs::Named(ports) => {
            for (port_name, ups) in ports {
                let Some(port) = kind.ports.iter().find(|p| p.name == port_name) else {
                    let hint = did_you_mean(port_name, kind.ports.iter().map(|p| p.name));
                    let list = kind
                        .ports
                        .iter()
                        .map(|p| format!("`{}`", p.name))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let message = if hint.is_empty() {
                        format!(
                            "kind `{}` has no input `{port_name}`; its inputs are {}",
                            kind.name,
                            if list.is_empty() { "none".into() } else { list }
                        )
                    } else {
                        format!("kind `{}` has no input `{port_name}`{hint}", kind.name)
                    };
                    return Err(pipeline.error_at(
                        SpecErrorKind::UnknownKey,
                        &["stages", name, "inputs", port_name],
                        message,
                    ));
                };
                bound.insert(port_name.clone(), (port.arity, ups.clone()));
            }
        }
    }
    for port in kind.ports {
        match bound.get(port.name) {
            None if port.required => {
                return Err(pipeline.error_at(
                    SpecErrorKind::Invalid,
                    &["stages", name],
                    format!(
                        "input `{}` of kind `{}` is not bound (`inputs: {{{}: <stage>}}`)",
                        port.name, kind.name, port.name
                    ),
                ));
            }
            Some((Arity::One, ups)) if ups.len() != 1 => {
                return Err(pipeline.error_at(
                    SpecErrorKind::Invalid,
                    &["stages", name],
                    format!(
                        "input `{}` of kind `{}` takes one stage, {} are given",
                        port.name,
                        kind.name,
                        ups.len()
                    ),
                ));
            }
            _ => {}
        }
    }
    Ok(bound)
}

/// The stage's `{from, file}` parameters, each naming another stage of the pipeline.
fn checked_file_refs(pipeline: &Pipeline, decl: &StageDecl) -> Result<Vec<FileRef>, SpecError> {
    let refs = file_refs(&decl.with);
    for file in &refs {
        let mut key: Vec<&str> = vec!["stages", &decl.name, "with"];
        key.extend(file.param.split('.'));
        key.push("from");
        if file.stage == decl.name {
            return Err(pipeline.error_at(
                SpecErrorKind::Cycle,
                &key,
                format!("stage `{}` reads its own output", decl.name),
            ));
        }
        if pipeline.stage(&file.stage).is_none() {
            let names = pipeline.stages.iter().map(|s| s.name.as_str());
            return Err(pipeline.error_at(
                SpecErrorKind::UnknownReference,
                &key,
                format!(
                    "no stage is named `{}`{}",
                    file.stage,
                    did_you_mean(&file.stage, names)
                ),
            ));
        }
    }
    Ok(refs)
}

/// Natural join of instance coordinate sets on their common axes.
fn join(left: &[Coordinates], right: &[&Coordinates]) -> Vec<Coordinates> {
    let mut out = Vec::new();
    for l in left {
        for r in right {
            if agrees(l, r) {
                let mut c = l.clone();
                c.extend(r.iter().map(|(k, v)| (k.clone(), v.clone())));
                if !out.contains(&c) {
                    out.push(c);
                }
            }
        }
    }
    out
}

/// Equal values on every axis both have.
fn agrees(a: &Coordinates, b: &Coordinates) -> bool {
    a.iter().all(|(k, v)| b.get(k).is_none_or(|w| w == v))
}

/// The stage's `with`, with the instance's own matrix values set at their (dotted) paths.
fn params_for(decl: &StageDecl, coordinates: &Coordinates) -> Mapping {
    let mut with = decl.with.clone();
    for axis in decl.matrix.axes() {
        let Some(value) = coordinates.get(axis) else {
            continue;
        };
        let parts: Vec<&str> = axis.split('.').collect();
        let mut map = &mut with;
        for (i, part) in parts.iter().enumerate() {
            let key = Value::String(part.to_string());
            if i + 1 == parts.len() {
                map.insert(key, value.clone());
            } else {
                let entry = map
                    .entry(key)
                    .or_insert_with(|| Value::Mapping(Mapping::new()));
                if !entry.is_mapping() {
                    *entry = Value::Mapping(Mapping::new());
                }
                map = entry.as_mapping_mut().expect("just made a mapping");
            }
        }
    }
    with
}

#[cfg(test)]
mod tests;
