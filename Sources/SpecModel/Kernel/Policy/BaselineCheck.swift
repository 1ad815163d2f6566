/// uapi stability: an older tree's enum must be a prefix of the newer one's.
public enum BaselineCheck {
  public static func compare(old: KernelPolicy, new: KernelPolicy) -> Obligation {
    let oldIds = old.ids
    let newByValue = Dictionary(new.ids.map { ($0.value, $0) }, uniquingKeysWith: { a, _ in a })
    for entry in oldIds {
      guard let now = newByValue[entry.value], now.name == entry.name else {
        let found = newByValue[entry.value].map { "\($0.name)" } ?? "nothing"
        return Obligation(
          name: "baseline.enum-prefix", status: .violated,
          message:
            "\(entry.name) was \(entry.value) in the baseline; that value is now \(found): an inserted or renumbered enumerator breaks the uapi ABI",
          trace: [], location: newByValue[entry.value]?.location ?? entry.location, seconds: 0)
      }
    }
    return Obligation(
      name: "baseline.enum-prefix", status: .proved,
      message: "the baseline's \(oldIds.count) ids keep their values", trace: [], location: nil, seconds: 0)
  }
}
