//! Marks PostgreSQL tests to run only when `SWITCHYARD_TEST_POSTGRES_URL` is set, so
//! without it they are reported as skipped (ignored), never silently passed.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(pg_tests)");
    println!("cargo::rerun-if-env-changed=SWITCHYARD_TEST_POSTGRES_URL");
    if std::env::var_os("SWITCHYARD_TEST_POSTGRES_URL").is_some_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=pg_tests");
    }
}
