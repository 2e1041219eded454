//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`) through the functions the
//! fuzz targets call: every input libFuzzer kept, and every crash it found once, must
//! pass on stable in CI without nightly or libFuzzer.

use std::path::Path;

#[test]
fn every_corpus_file_passes_its_target() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    let mut failures = Vec::new();
    for (name, target) in switchyard_fuzz_harness::TARGETS {
        let dir = corpus.join(name);
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let mut replayed = 0;
        for entry in entries {
            let path = entry.unwrap_or_else(|e| panic!("{}: {e}", dir.display())).path();
            let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let outcome = std::panic::catch_unwind(|| target(&data));
            if outcome.is_err() {
                failures.push(format!("{name}: {}", path.display()));
            }
            replayed += 1;
        }
        assert!(replayed > 0, "{name} has no corpus in {}", dir.display());
    }
    assert!(
        failures.is_empty(),
        "corpus files that fail their target:\n{}",
        failures.join("\n")
    );
}
