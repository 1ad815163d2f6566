/// RVWMO's preserved program order, as the ISA manual's memory-model chapter states its 13
/// rules; `LitmusChecker` adds the coherence, main-model and atomicity axioms over it.
struct RVWMOModel {
  let events: [MemoryEvent]
  let z3: Z3Context
  /// Rules (1–13) left out, to weaken the model deliberately.
  var droppedRules: Set<Int> = []

  /// Preserved program order: the 13 rules of the manual's RVWMO chapter.
  func preservedProgramOrder(po: [[Formula]], poLocation: [[Formula]], rf: [[Formula]], rmw: [[Formula]])
    -> [[Formula]]
  {
    let count = events.count
    let falseFormula = z3.falseFormula
    var result = [[Formula]](repeating: [Formula](repeating: falseFormula, count: count), count: count)
    func read(_ i: Int) -> Bool { events[i].reads }
    func write(_ i: Int) -> Bool { events[i].isWrite }
    /// When a write (or an update) writes: always for a write, on success for some amocas.
    func writing(_ i: Int) -> Formula { events[i].writes ?? z3.trueFormula }
    func memory(_ i: Int) -> Bool { events[i].isMemory }
    func releases(_ i: Int) -> Formula {
      events[i].release ? z3.trueFormula : events[i].releaseWhen ?? falseFormula
    }
    func rcsc(_ i: Int) -> Formula {
      events[i].atomic ? z3.formula(events[i].acquire) || releases(i) : falseFormula
    }
    func internalRF(_ w: Int, _ r: Int) -> Formula {
      events[w].thread == events[r].thread ? rf[w][r] : falseFormula
    }
    func executed(_ i: Int, _ j: Int) -> Formula { events[i].executed && events[j].executed }
    // Dependencies start at reads, or at a successful SC's write (through its result register).
    func address(_ i: Int, _ j: Int) -> Formula {
      guard memory(i) && memory(j) && events[j].addressDependencies.contains(i) else { return falseFormula }
      return executed(i, j) && (events[j].addressWhen[i] ?? z3.trueFormula)
    }
    func data(_ i: Int, _ j: Int) -> Formula {
      guard memory(i) && write(j) && events[j].dataDependencies.contains(i) else { return falseFormula }
      return executed(i, j) && writing(j) && (events[j].dataWhen[i] ?? z3.trueFormula)
    }
    // The events an inner rule ranges over, by thread: every rule that looks between two events
    // (a write, a fence, a dependency's middle) stays within their hart.
    var threadWrites: [Int: [Int]] = [:]
    var threadFences: [Int: [Int]] = [:]
    var threadMemory: [Int: [Int]] = [:]
    for k in 0..<count {
      if write(k) { threadWrites[events[k].thread, default: []].append(k) }
      if events[k].fence != nil { threadFences[events[k].thread, default: []].append(k) }
      if memory(k) { threadMemory[events[k].thread, default: []].append(k) }
    }
    let writes = (0..<count).filter(write)
    for i in 0..<count {
      for j in 0..<count where i != j {
        // "a precedes b in program order": no rule orders events that po does not.
        if po[i][j].concrete == false { continue }
        let thread = events[i].thread
        var rules: [(Int, Formula)] = []
        if memory(i) && write(j) { rules.append((1, poLocation[i][j] && writing(j))) }
        if read(i) && read(j) {
          let writeBetween = z3.any(
            (threadWrites[thread] ?? []).map { poLocation[i][$0] && writing($0) && poLocation[$0][j] })
          let sameSource = z3.any(writes.map { rf[$0][i] && rf[$0][j] })
          rules.append((2, poLocation[i][j] && !writeBetween && !sameSource))
        }
        if (events[i].amo || events[i].exclusive) && write(i) && read(j) { rules.append((3, internalRF(i, j))) }
        if memory(i) && memory(j) {
          // An update takes part as a read always and as a write when it writes.
          func asRead(_ k: Int) -> Formula { z3.formula(read(k)) }
          func asWrite(_ k: Int) -> Formula { write(k) ? writing(k) : falseFormula }
          let fences = (threadFences[thread] ?? []).map { f -> Formula in
            guard let fence = events[f].fence else { return falseFormula }
            let orders: Formula
            if fence.tso {
              // fence.tso: [W];f;[W] | [R];f;[M].
              orders = (asWrite(i) && asWrite(j)) || asRead(i)
            } else {
              let before =
                (fence.predecessor.contains("r") ? asRead(i) : falseFormula)
                || (fence.predecessor.contains("w") ? asWrite(i) : falseFormula)
              let after =
                (fence.successor.contains("r") ? asRead(j) : falseFormula)
                || (fence.successor.contains("w") ? asWrite(j) : falseFormula)
              orders = before && after
            }
            return orders && po[i][f] && po[f][j]
          }
          rules.append((4, z3.any(fences)))
        }
        if events[i].acquire && memory(j) { rules.append((5, po[i][j])) }
        if memory(i) && memory(j) { rules.append((6, po[i][j] && releases(j))) }
        rules.append((7, po[i][j] && rcsc(i) && rcsc(j)))
        rules.append((8, rmw[i][j]))
        rules.append((9, address(i, j)))
        rules.append((10, data(i, j)))
        if memory(i) && write(j) && events[j].controlDependencies.contains(i) {
          rules.append((11, executed(i, j) && writing(j)))
        }
        // Rules 12 and 13 start at any memory operation (a successful SC's write has dependents).
        if memory(i) && read(j) {
          let forwarded = (threadWrites[thread] ?? []).map { w in (address(i, w) || data(i, w)) && internalRF(w, j) }
          rules.append((12, z3.any(forwarded)))
        }
        if memory(i) && write(j) {
          let through = (threadMemory[thread] ?? []).map { m in address(i, m) && po[m][j] && writing(j) }
          rules.append((13, z3.any(through)))
        }
        result[i][j] = z3.any(rules.filter { !droppedRules.contains($0.0) }.map(\.1))
      }
    }
    return result
  }
}
