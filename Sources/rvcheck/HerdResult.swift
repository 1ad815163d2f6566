import SpecModel

/// What a kernel litmus file's `Result:` line states, judged against the model's answer as the
/// kernel's `tools/memory-model/scripts/judgelitmus.sh` judges herd's: the verdict must match,
/// and a `DATARACE` marker goes with herd's `Flag data-race`; a verdict that differs where a race
/// is flagged is forgiven, since a racy test's outcomes are undefined.
struct HerdResult {
  let verdict: String
  let dataRace: Bool

  /// The Result line of a kernel litmus file (`Result: Never`, `Result: Sometimes DATARACE`);
  /// DEADLOCK is herd's "Never 0 0". Other words there (`Result: Maybe`, `Result: Flag …`) are an
  /// author's note, not a verdict to hold the test to.
  init?(_ text: String) {
    for line in text.split(separator: "\n") {
      let words = line.split(whereSeparator: \.isWhitespace)
      guard let index = words.firstIndex(of: "Result:"), index + 1 < words.count else { continue }
      let word = String(words[index + 1])
      dataRace = words[(index + 2)...].contains("DATARACE")
      if word == "DEADLOCK" {
        verdict = "Never"
        return
      }
      guard ["Never", "Sometimes", "Always"].contains(word) else { return nil }
      verdict = word
      return
    }
    return nil
  }

  /// The judgement of `result`: whether the verdicts agree (nil while the verdict is undecided),
  /// whether a difference is forgiven, and what is wrong with the data-race marker, if anything.
  func judge(_ result: LitmusResult) -> (verdictAgrees: Bool?, forgiven: Bool, raceProblem: String?) {
    let raceFlagged = result.flags.contains("data-race")
    var raceProblem: String?
    if result.flagsUndecided == nil, dataRace != raceFlagged {
      raceProblem =
        dataRace
        ? "the file predicts a data race (DATARACE), and no allowed execution has one"
        : "an allowed execution has a data race that the file does not predict (no DATARACE)"
    }
    let verdictAgrees = result.decided ? verdict == result.verdict.rawValue : nil
    return (verdictAgrees, verdictAgrees == false && raceFlagged, raceProblem)
  }
}
