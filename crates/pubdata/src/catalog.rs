//! `pubdata catalog import | export`: the responsibility-list template from the command line,
//! as the authority (operator) — for loading a city's existing catalog in one go.

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use pubdata_app::catalog::list::{self, ExportFormat, ImportMode};
use pubdata_app::{Actor, App, new_request_id};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum CatalogCommand {
    /// Check a catalog file (CSV in UTF-8, GBK or GB18030, or XLSX) row by row, and import
    /// it if asked: `--mode check` (default) changes nothing; `import-all` imports only a
    /// file without errors; `import-good` imports the resources without errors as drafts.
    Import {
        file: PathBuf,
        #[arg(long, default_value = "check", value_parser = ["check", "import-all", "import-good"])]
        mode: String,
        /// The unit whose catalog this is (its id); without it each row's 提供单位 decides.
        #[arg(long)]
        org_id: Option<String>,
    },
    /// Write the responsibility list (published resources) in the import template's columns;
    /// the format follows the file's extension (.csv or .xlsx).
    Export {
        #[arg(long)]
        out: PathBuf,
        /// One unit's list (its id); the whole city's without it.
        #[arg(long)]
        org_id: Option<String>,
    },
}

pub async fn run(app: &App, command: &CatalogCommand) -> Result<()> {
    let operator = Actor::operator(new_request_id());
    match command {
        CatalogCommand::Import { file, mode, org_id } => {
            let bytes =
                std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
            let mode = ImportMode::parse(&mode.replace('-', "_")).context("mode")?;
            let name = file.file_name().and_then(|n| n.to_str());
            let report =
                list::import_catalog(app, &operator, org_id.as_deref(), &bytes, name, mode)
                    .await
                    .map_err(crate::action_error)?;
            println!(
                "{}: {} ({}), {} rows, {} resources, {} without errors",
                file.display(),
                report.format,
                report.encoding.unwrap_or("-"),
                report.rows,
                report.resources,
                report.good_resources
            );
            for e in &report.errors {
                let column = if e.column.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", e.column)
                };
                println!("  line {}{column}: {} ({})", e.row, e.message_zh, e.code);
            }
            if report.error_count > report.errors.len() {
                println!("  … {} problems in all", report.error_count);
            }
            println!("imported {} resources as drafts", report.imported);
            if mode == ImportMode::Check && report.error_count > 0 {
                bail!(
                    "the file has {} problems (nothing was imported)",
                    report.error_count
                );
            }
            if report.refused.is_some() {
                bail!(
                    "the file has errors: nothing was imported (fix them, or use --mode import-good)"
                );
            }
        }
        CatalogCommand::Export { out, org_id } => {
            let ext = out.extension().and_then(|e| e.to_str()).unwrap_or("");
            let Some(format) = ExportFormat::parse(ext) else {
                bail!("write to a .csv or .xlsx file, not {}", out.display());
            };
            let export =
                list::export_responsibility_list(app, &operator, org_id.as_deref(), format)
                    .await
                    .map_err(crate::action_error)?;
            std::fs::write(out, &export.bytes)
                .with_context(|| format!("cannot write {}", out.display()))?;
            println!("wrote {} ({} bytes)", out.display(), export.bytes.len());
        }
    }
    Ok(())
}
