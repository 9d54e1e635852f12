//! `radflow kinds`.

use crate::error::Error;
use crate::stage_api::Arity;
use crate::stages::KINDS;

pub fn kinds() -> Result<(), Error> {
    for kind in KINDS {
        let ports: Vec<String> = kind
            .ports
            .iter()
            .map(|p| {
                let many = if p.arity == Arity::Many { "..." } else { "" };
                let optional = if p.required { "" } else { "?" };
                format!("{}{many}{optional}", p.name)
            })
            .collect();
        println!("{:<16} v{}  {}", kind.name, kind.version, kind.about);
        if !ports.is_empty() {
            println!("{:<16}      inputs: {}", "", ports.join(", "));
        }
    }
    Ok(())
}
