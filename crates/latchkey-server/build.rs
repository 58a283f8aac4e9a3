//! Rebuilds the server when a file of the embedded SDK or demo changes, is added
//! or is removed: `include_dir!` alone only notices changes to files that
//! already existed.

fn main() {
    println!("cargo::rerun-if-changed=../../sdk");
    println!("cargo::rerun-if-changed=../../demo");
}
