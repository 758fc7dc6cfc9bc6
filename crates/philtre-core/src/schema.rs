//! Schema objects: [`MetaData`], [`Table`], [`Column`] and their constraints.

mod column;
mod constraint;
mod metadata;
mod quoted;
mod table;

pub use column::{Column, ServerDefault};
pub use constraint::{CheckConstraint, ForeignKey, Index, ReferentialAction, UniqueConstraint};
pub use metadata::{sort_by_dependency, MetaData};
pub use table::{Table, TableBuilder};
