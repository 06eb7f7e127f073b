//! The domain: tickets, categories, callers and the working calendar. Pure code with no I/O;
//! handlers call it to decide, and the store and adapters carry out what it decided.

pub mod attachment;
pub mod calendar;
pub mod category;
pub mod identity;
pub mod kpi;
pub mod lifecycle;
pub mod raise;
pub mod rma;
pub mod sla;
pub mod stages;
pub mod tasks;
pub mod text;
pub mod ticket;
