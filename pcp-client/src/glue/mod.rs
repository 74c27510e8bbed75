//! The EFM/Pgpool glue: mapping hosts to node ids, idempotent attach/detach/promote that wait
//! until Pgpool has applied them, following a new primary, and EFM's load-balancer hooks.

pub mod backends;
pub mod host;
pub mod ops;
pub mod policy;
pub mod state;
pub mod wait;
