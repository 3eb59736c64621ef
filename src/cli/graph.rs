//! `strata graph`: the dependency graph as Mermaid, DOT or JSON.

use super::args::{GraphArgs, GraphFormat};
use super::diagnostics::pretty;
use super::exit::ExitStatus;
use super::target;
use super::ui::Ui;
use serde_json::json;

/// Run the command.
pub fn run(ui: &Ui, args: &GraphArgs) -> ExitStatus {
    let registry = crate::aws::registry();
    let deployment = match target::load(ui, &args.target, &registry) {
        Ok(d) => d,
        Err(status) => return status,
    };
    // The loader already rejected cycles, so building cannot fail here; report it if it does.
    let graph = match crate::graph::ResourceGraph::from_deployment(&deployment) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitStatus::Error;
        }
    };
    if ui.json() {
        let edges: Vec<_> = graph
            .nodes()
            .flat_map(|n| {
                graph
                    .dependencies(n)
                    .into_iter()
                    .map(move |d| json!({ "from": n.to_string(), "to": d.to_string() }))
            })
            .collect();
        let critical = graph.critical_path(|_| 1);
        ui.print(&pretty(&json!({
            "deployment": deployment.name,
            "nodes": graph.nodes().map(|a| a.to_string()).collect::<Vec<_>>(),
            "edges": edges,
            "apply_order": graph.topo_order().iter().map(|a| a.to_string()).collect::<Vec<_>>(),
            "destroy_order": graph.destroy_order().iter().map(|a| a.to_string()).collect::<Vec<_>>(),
            "critical_path": critical.path.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
        })));
        return ExitStatus::Ok;
    }
    ui.print(&match args.format {
        GraphFormat::Dot => graph.to_dot(),
        GraphFormat::Mermaid => graph.to_mermaid(),
    });
    ExitStatus::Ok
}
