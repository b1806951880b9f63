//! Hostile input: what an image, a policy, a `.dive-ci`, a Dockerfile or the action's inputs can
//! carry to crash sizegate, hang it, eat memory, read outside the image or forge log lines. One
//! module per class; each case asserts the exit code and the exact message, and the resource cases
//! run the binary under an address-space and time limit ([`crate::support::bounded`]).

mod bounded_runs;
mod dockerfile_expansion;
mod policy_limits;
