//! Hostile input: what an image, a policy, a `.dive-ci`, a Dockerfile or the action's inputs can
//! carry to crash sizegate, hang it, eat memory, read outside the image or forge log lines. One
//! module per class; each case asserts the exit code and the exact message, and the resource cases
//! run the binary under an address-space and time limit ([`crate::support::bounded`]).

mod action_inputs;
mod bombs;
mod bounded_runs;
mod dive_user_waste;
mod dockerfile_expansion;
mod gzip_archive;
mod invisible_text;
// FIFOs, devices and symlinks are what these two are about: Unix only.
#[cfg(unix)]
mod layout_escape;
mod policy_limits;
mod sarif_category;
#[cfg(unix)]
mod special_files;
mod tar_records;
mod terminal_text;
