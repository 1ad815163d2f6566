/// The Linux-kernel memory model as `tools/memory-model/linux-kernel.cat` states it, over the
/// same candidate executions (events, rf, co, fr) that RVWMO is judged on: the `coherence`,
/// `happens-before`, `propagation` and `rcu` axioms. `atomic` is the engine's atomicity
/// constraint, which is the same for both models. Locks are the RMWs of `lock.cat` (an LKR that
/// reads the lock free and its LKW). SRCU sections pair per `srcu_struct` as the bell nests them.
struct LinuxKernelModel {
  let events: [MemoryEvent]
  let z3: Z3Context
  /// Axioms left out (`coherence`, `happens-before`, `propagation`, `rcu`, `plain-coherence`), to
  /// weaken the model on purpose.
  var dropped: Set<String> = []

  private var count: Int { events.count }
  private var executed: [Formula] { events.map(\.executed) }

  // MARK: Event classes (the bell's sets)

  private func members(_ rule: (MemoryEvent) -> Formula) -> [Formula] { events.map { $0.executed && rule($0) } }
  private func when(_ event: MemoryEvent) -> Formula { event.kernel?.onlyWhen ?? Formula(true) }

  var memory: [Formula] { members { Formula($0.isMemory) } }
  var reads: [Formula] { members { Formula($0.reads) } }
  var writes: [Formula] { members { Formula($0.isWrite) } }
  /// Fences, initial writes and every access but a plain C one.
  var marked: [Formula] { members { Formula(!$0.isMemory || $0.kernel.map { $0.access != .plain } ?? true) } }
  var plain: [Formula] { members { Formula($0.isMemory && $0.kernel?.access == .plain) } }
  var acquire: [Formula] {
    members { event in
      switch (event.kernel?.access, event.kernel?.lock) {
      case (_, .lockRead?), (_, .tryRead?): when(event)
      case (.acquire?, _): when(event)
      default: Formula(false)
      }
    }
  }
  var release: [Formula] { members { Formula($0.kernel?.access == .release || $0.kernel?.lock == .unlock) } }
  var atomicOperations: [Formula] { members { Formula($0.kernel?.atomicOperation == true) } }
  var lockReads: [Formula] {
    members { event in
      switch event.kernel?.lock {
      case .lockRead?, .tryRead?: when(event)
      default: Formula(false)
      }
    }
  }
  var lockWrites: [Formula] { members { Formula($0.kernel?.lock == .lockWrite) } }
  var unlocks: [Formula] { members { Formula($0.kernel?.lock == .unlock) } }
  /// Reads for which `smp_rmb()` works: every read but that of a non-returning RMW.
  var readsForRmb: [Formula] { members { Formula($0.reads && $0.kernel?.access != .noreturn) } }
  func fences(_ kind: KernelEventTag.Fence) -> [Formula] { members { Formula($0.kernel?.fence == kind) } }
  func srcuEvents(_ kind: KernelEventTag.SRCU) -> [Formula] { members { Formula($0.kernel?.srcu == kind) } }

  // MARK: The axioms

  /// Asserts the axioms. Returns the model's flags, each with a formula that holds in an
  /// execution that raises it: the cat's `data-race` and `mixed-accesses`, the bell's flags on
  /// read-side sections, and `lock.cat`'s `unmatched-unlock` and `mixed-lock-accesses`.
  @discardableResult
  func assertAxioms(
    po poMatrix: [[Formula]], poLocation: [[Formula]], rf rfMatrix: [[Formula]], co coMatrix: [[Formula]],
    fr frMatrix: [[Formula]], rmw rmwMatrix: [[Formula]], solver: Solver
  ) -> [(name: String, raised: Formula)] {
    var flags = sectionFlags(po: Relation(poMatrix))
    if let mixed = mixedAccesses(po: Relation(poMatrix), poLocation: Relation(poLocation)) {
      flags.append(("mixed-accesses", mixed))
    }
    flags += lockFlags(poLocation: Relation(poLocation))
    if let race = assertCoreAxioms(
      po: poMatrix, poLocation: poLocation, rf: rfMatrix, co: coMatrix, fr: frMatrix, rmw: rmwMatrix, solver: solver)
    {
      flags.append(("data-race", race))
    }
    return flags
  }

  /// The bell's flags on read-side sections: an RCU or SRCU lock that no unlock closes
  /// (`unmatched-rcu-lock`, `unmatched-srcu-lock`), an unlock that closes none
  /// (`unmatched-rcu-unlock`, `unmatched-srcu-unlock`), `synchronize_srcu()` inside an RCU
  /// read-side section (`invalid-sleep`), and an SRCU section closed with another index than its
  /// lock returned (`srcu-bad-value-match`).
  private func sectionFlags(po: Relation) -> [(name: String, raised: Formula)] {
    let closed = Set(events.compactMap { $0.kernel?.openingLock })
    func any(_ events: [Formula]) -> Formula? { Formula.fold(events, and: false) }
    func unmatched(_ isOpening: (KernelEventTag) -> Bool, _ isClosing: (KernelEventTag) -> Bool)
      -> (locks: Formula?, unlocks: Formula?)
    {
      let locks = events.indices.filter { index in
        events[index].kernel.map(isOpening) == true && !closed.contains(index)
      }
      let unlocks = events.filter { $0.kernel.map(isClosing) == true && $0.kernel?.openingLock == nil }
      return (any(locks.map { events[$0].executed }), any(unlocks.map(\.executed)))
    }
    let rcu = unmatched({ $0.fence == .rcuLock }, { $0.fence == .rcuUnlock })
    let srcu = unmatched({ $0.srcu == .lock }, { $0.srcu == .unlock })
    var sleeps: [Formula] = []
    for (unlock, event) in events.enumerated() where event.kernel?.fence == .rcuUnlock {
      guard let lock = event.kernel?.openingLock else { continue }
      for sync in events.indices where events[sync].kernel?.srcu == .synchronize {
        sleeps.append(po[lock, sync] && po[sync, unlock])
      }
    }
    // different-values(srcu-rscs): a section whose unlock is given another index than its lock returned.
    var mismatched: [Formula] = []
    for event in events where event.kernel?.srcu == .unlock {
      guard let lock = event.kernel?.openingLock else { continue }
      mismatched.append(event.executed && !(event.value == events[lock].value))
    }
    let named: [(String, Formula?)] = [
      ("unmatched-rcu-lock", rcu.locks), ("unmatched-rcu-unlock", rcu.unlocks),
      ("unmatched-srcu-lock", srcu.locks), ("unmatched-srcu-unlock", srcu.unlocks), ("invalid-sleep", any(sleeps)),
      ("srcu-bad-value-match", any(mismatched)),
    ]
    return named.compactMap { name, raised in raised.map { (name, $0) } }
  }

  /// `lock.cat`'s flags on locks: an ordinary access to a lock's location
  /// (`mixed-lock-accesses`), and a `spin_unlock()` that no earlier lock of its location in the
  /// thread opens (`unmatched-unlock`: not in the range of `critical`).
  private func lockFlags(poLocation: Relation) -> [(name: String, raised: Formula)] {
    let lockEvents = events.indices.filter { events[$0].kernel?.lock != nil }
    var mixed: [Formula] = []
    for access in events.indices where events[access].isMemory && events[access].thread >= 0 {
      guard events[access].kernel?.lock == nil else { continue }
      for lock in lockEvents {
        mixed.append(events[access].executed && events[lock].executed && events[access].address == events[lock].address)
      }
    }
    // critical = ([LKW] ; po-loc ; [UL]) \ (po-loc ; [LKW | UL] ; po-loc).
    let writes = lockEvents.filter { events[$0].kernel?.lock == .lockWrite }
    let unlocks = lockEvents.filter { events[$0].kernel?.lock == .unlock }
    var unmatched: [Formula] = []
    for unlock in unlocks {
      let opened = writes.map { write -> Formula in
        let between = (writes + unlocks).filter { $0 != write && $0 != unlock }.map {
          poLocation[write, $0] && events[$0].writeExecuted && poLocation[$0, unlock]
        }
        return poLocation[write, unlock] && events[write].writeExecuted
          && !(Formula.fold(between, and: false) ?? Formula(false))
      }
      unmatched.append(events[unlock].executed && !(Formula.fold(opened, and: false) ?? Formula(false)))
    }
    let named: [(String, Formula?)] = [
      ("mixed-lock-accesses", Formula.fold(mixed, and: false)),
      ("unmatched-unlock", Formula.fold(unmatched, and: false)),
    ]
    return named.compactMap { name, raised in raised.map { (name, $0) } }
  }

  /// The cat's `mixed-accesses`: a plain write and a marked access to one location in one thread,
  /// with nothing of the cat's `barrier` between them (a fence of the listed kinds, an RCU or
  /// SRCU event, an acquire or a release in between, a release after or an acquire before).
  private func mixedAccesses(po: Relation, poLocation: Relation) -> Formula? {
    let separating = events.indices.filter { index in
      let tag = events[index].kernel
      switch tag?.fence {
      case .barrier?, .rmb?, .wmb?, .mb?, .syncRCU?, .beforeAtomic?, .afterAtomic?, .rcuLock?, .rcuUnlock?: return true
      default: return tag?.srcu != nil
      }
    }
    let acquires = acquire
    let releases = release
    func plainWrite(_ index: Int) -> Bool { events[index].isWrite && events[index].kernel?.access == .plain }
    func isMarked(_ index: Int) -> Bool { events[index].kernel.map { $0.access != .plain } ?? true }
    var mixed: [Formula] = []
    for i in 0..<count where events[i].isMemory {
      for j in 0..<count where events[j].isMemory && !Relation.isFalse(poLocation[i, j]) {
        guard (plainWrite(i) && isMarked(j)) || (isMarked(i) && plainWrite(j)) else { continue }
        // barrier = fencerel(...) | (po ; [Release]) | ([Acquire] ; po).
        var between = separating.map { po[i, $0] && po[$0, j] }
        between += (0..<count).map { po[i, $0] && po[$0, j] && (acquires[$0] || releases[$0]) }
        between += [releases[j], acquires[i]]
        let barrier = Formula.fold(between, and: false) ?? Formula(false)
        mixed.append(poLocation[i, j] && !barrier)
      }
    }
    return Formula.fold(mixed, and: false)
  }

  /// The axioms; for a test with plain accesses, also the `data-race` flag's formula.
  private func assertCoreAxioms(
    po poMatrix: [[Formula]], poLocation: [[Formula]], rf rfMatrix: [[Formula]], co coMatrix: [[Formula]],
    fr frMatrix: [[Formula]], rmw rmwMatrix: [[Formula]], solver: Solver
  ) -> Formula? {
    let po = Relation(poMatrix)
    let rf = Relation(rfMatrix)
    let co = Relation(coMatrix)
    let fr = Relation(frMatrix)
    let rmw = Relation(rmwMatrix)
    func sameThread(_ i: Int, _ j: Int) -> Bool { events[i].thread >= 0 && events[i].thread == events[j].thread }
    func external(_ i: Int, _ j: Int) -> Bool { !sameThread(i, j) }
    let rfi = rf.filtered(sameThread)
    let rfe = rf.filtered(external)
    let M = Relation.identity(memory)
    let W = Relation.identity(writes)
    let Marked = Relation.identity(marked)

    acyclic(Relation(poLocation) | rf | co | fr, "coherence", solver)

    // Dependencies, carried through plain accesses: carry-dep = (data ; rfi)*.
    func dependency(_ sources: (MemoryEvent) -> Set<Int>, to target: (Int) -> Bool) -> Relation {
      .pairs(count: count) { i, j in
        events[i].isMemory && target(j) && sources(events[j]).contains(i)
          ? events[i].executed && events[j].executed : Formula(false)
      }
    }
    let directData = dependency(\.dataDependencies) { events[$0].isWrite }
    let carry = (directData ⨾ rfi).star(executed)
    let addr = carry ⨾ dependency(\.addressDependencies) { events[$0].isMemory }
    let data = carry ⨾ directData
    let ctrl = carry ⨾ dependency(\.controlDependencies) { _ in true }

    func fenceRelation(_ kind: KernelEventTag.Fence) -> Relation { po ⨾ .identity(fences(kind)) ⨾ po }
    let acquirePo = Relation.identity(acquire) ⨾ po ⨾ M
    let poRelease = M ⨾ po ⨾ .identity(release)
    let unlockLock = po ⨾ .identity(unlocks) ⨾ (po | rf) ⨾ .identity(lockReads) ⨾ po
    let rmb = Relation.identity(readsForRmb) ⨾ fenceRelation(.rmb) ⨾ .identity(readsForRmb)
    let wmb = W ⨾ fenceRelation(.wmb) ⨾ W
    let RMW = Relation.identity(atomicOperations)
    let mb =
      (M ⨾ fenceRelation(.mb) ⨾ M)
      | (M ⨾ fenceRelation(.beforeAtomic) ⨾ RMW ⨾ po.optional(executed) ⨾ M)
      | (M ⨾ po.optional(executed) ⨾ RMW ⨾ fenceRelation(.afterAtomic) ⨾ M)
      | (M ⨾ po.optional(executed) ⨾ .identity(lockWrites) ⨾ fenceRelation(.afterSpinlock) ⨾ M)
      | (M ⨾ unlockLock ⨾ .identity(fences(.afterUnlockLock)) ⨾ po ⨾ M)
      | (M ⨾ po.optional(executed) ⨾ .identity(srcuEvents(.unlock)) ⨾ fenceRelation(.afterSRCUUnlock) ⨾ M)
    let synchronize = fences(.syncRCU)
    let synchronizeSRCU = srcuEvents(.synchronize)
    let gracePeriod = po ⨾ .identity(zip(synchronize, synchronizeSRCU).map { $0 || $1 }) ⨾ po.optional(executed)
    let strongFence = mb | gracePeriod
    let fence = strongFence | poRelease | acquirePo | wmb | rmb

    let dep = addr | data
    let rwdep = (dep | ctrl) ⨾ W
    let overwrite = co | fr
    let toWrite = rwdep | overwrite.filtered(sameThread) | (addr ⨾ .identity(plain) ⨾ wmb)
    let toRead = addr | (dep ⨾ Marked ⨾ rfi)
    let ppo = toRead | toWrite | fence | unlockLock.filtered(sameThread)

    func aCumulative(_ relation: Relation) -> Relation { (rfe ⨾ Marked).optional(executed) ⨾ relation }
    let rmwSequence = (rf ⨾ rmw).star(executed)
    let cumulFence =
      Marked ⨾ (aCumulative(strongFence | poRelease) | wmb | unlockLock) ⨾ Marked ⨾ rmwSequence
    // Named once: every edge of prop composes a row and a column of this closure, and the solver
    // took in those copies one prop edge at a time (seconds on a test with many fences).
    let cumulFenceStar = cumulFence.star(executed).named("lkmm.cumul-fence*", solver, z3)
    let prop =
      Marked ⨾ overwrite.filtered(external).optional(executed) ⨾ cumulFenceStar ⨾ Marked
      ⨾ rfe.optional(executed) ⨾ Marked
    let hb = Marked ⨾ (ppo | rfe | prop.irreflexivePart.filtered(sameThread)) ⨾ Marked
    acyclic(hb, "happens-before", solver)
    // pb = prop ; strong-fence ; hb* ; [Marked]. With hb acyclic, pb is acyclic exactly when the
    // union of its first step and hb is: a cycle there has a first step and splits into pb edges.
    // That keeps hb* (dense, and hard for the solver) out of the main axioms; a model with the
    // happens-before axiom dropped states pb itself.
    // prop is named edge by edge first: composed with a strong fence that has many sources (an
    // smp_mb() before a critical section), its formulas would be repeated once per fence, and
    // taking in that one assertion cost the solver tens of seconds.
    let firstStep = prop.named("lkmm.prop", solver, z3) ⨾ strongFence ⨾ Marked
    if dropped.contains("happens-before") {
      acyclic(firstStep ⨾ hb.star(executed), "propagation", solver)
    } else {
      acyclic(firstStep | hb, "propagation", solver)
    }
    var rcu: (fence: Relation, rb: Relation)?
    if events.contains(where: \.isGracePeriod) {
      rcu = assertRCU(
        po: po, hb: hb, firstStep: firstStep, prop: prop, marked: Marked, synchronize: synchronize,
        synchronizeSRCU: synchronizeSRCU, solver)
    }
    // Plain accesses that race with another thread's accesses must still be coherent; where
    // visibility does not bound them, they race.
    guard events.contains(where: { $0.kernel?.access == .plain }) else { return nil }
    do {
      func named(_ relation: Relation, _ name: String) -> Relation { relation.named("lkmm.\(name)", solver, z3) }
      let empty = Relation(count: count)
      let rcuFence = rcu?.fence ?? empty
      // After the rcu axiom the model widens fence and strong-fence by rcu-fence.
      let strong = named(strongFence | rcuFence, "strong-fence+rcu")
      let allFences = named(fence | rcuFence, "fence+rcu")
      let nonRWFence = strongFence | poRelease | acquirePo
      let hbStar = named(hb, "hb.plain").plus(named: "lkmm.hb+.plain", solver, z3).optional(executed)
      let pb = named(named(firstStep, "prop;strong-fence;[Marked].plain") ⨾ hbStar, "pb.plain")
      let xbstar = named(hb | pb | (rcu?.rb ?? empty), "xb").plus(named: "lkmm.xb+", solver, z3).optional(executed)
      let returning = Relation.identity(members { Formula($0.kernel?.access != .noreturn) })
      let R4rmb = Relation.identity(readsForRmb)
      let vis = named(
        cumulFenceStar ⨾ rfe.optional(executed) ⨾ Marked
          ⨾ ((strong ⨾ Marked ⨾ xbstar) | xbstar.filtered(sameThread)), "vis")
      let wPreBounded = named(Marked ⨾ (addr | allFences).optional(executed), "w-pre-bounded")
      let rPreBounded = named(
        Marked ⨾ (addr | nonRWFence | (R4rmb ⨾ fenceRelation(.rmb) ⨾ returning)).optional(executed), "r-pre-bounded")
      let wPostBounded = named(allFences.optional(executed) ⨾ Marked ⨾ rmwSequence, "w-post-bounded")
      let rPostBounded = named(
        (nonRWFence | (returning ⨾ fenceRelation(.rmb) ⨾ R4rmb)).optional(executed) ⨾ Marked, "r-post-bounded")
      let strongXbstar = named(strong ⨾ xbstar, "strong-fence;xbstar")
      let postVis = named(wPostBounded ⨾ vis, "w-post-bounded;vis")
      let wwVis = allFences | (strongXbstar ⨾ wPreBounded) | (postVis ⨾ wPreBounded)
      let wrVis = allFences | (strongXbstar ⨾ rPreBounded) | (postVis ⨾ rPreBounded)
      let rwXbstar = allFences | (rPostBounded ⨾ xbstar ⨾ wPreBounded)
      var incoherent: [Formula] = []
      var races: [Formula] = []
      let coRF = co ⨾ rf
      for i in 0..<count where events[i].isMemory {
        for j in 0..<count where events[j].isMemory && external(i, j) {
          let plainI = events[i].kernel?.access == .plain
          let plainJ = events[j].kernel?.access == .plain
          // pre-race: ext & ((Plain * M) | ((M \ IW) * Plain)).
          guard plainI || (events[i].thread >= 0 && plainJ) else { continue }
          incoherent.append(rf[i, j] && rwXbstar[j, i])
          incoherent.append(fr[i, j] && wrVis[j, i])
          incoherent.append(co[i, j] && wwVis[j, i])
          // ww-nonrace = ww-vis & ((Marked * W) | rw-xbstar) & ((W * Marked) | wr-vis); co
          // joins writes only, so the products reduce to whether each end is marked.
          let wwNonrace = wwVis[i, j] && (Formula(!plainI) || rwXbstar[i, j]) && (Formula(!plainJ) || wrVis[i, j])
          races.append(co[i, j] && !wwNonrace)
          races.append((rf[i, j] || coRF[i, j]) && !wrVis[i, j] && !rwXbstar[j, i])
          races.append(fr[i, j] && !rwXbstar[i, j])
        }
      }
      if let any = Formula.fold(incoherent, and: false), !dropped.contains("plain-coherence") { solver.assert(!any) }
      return Formula.fold(races, and: false)
    }
  }

  /// The `rcu` axiom: `rb = prop ; rcu-fence ; hb* ; pb* ; [Marked]` is irreflexive, where
  /// `rcu-fence` joins grace periods and read-side critical sections by `rcu-link`, with at least
  /// as many grace periods as sections (the recursive `rcu-order`). An SRCU grace period and an
  /// SRCU section join only when they name the same `srcu_struct` (`& loc`).
  private func assertRCU(
    po: Relation, hb: Relation, firstStep: Relation, prop: Relation, marked: Relation, synchronize: [Formula],
    synchronizeSRCU: [Formula], _ solver: Solver
  ) -> (fence: Relation, rb: Relation)? {
    guard !dropped.contains("rcu") else { return nil }
    func named(_ relation: Relation, _ name: String) -> Relation { relation.named("lkmm.\(name)", solver, z3) }
    // Every relation here is named: nested compositions of dense relations would otherwise grow
    // past memory when the solver flattens them.
    let prop = named(prop, "prop")
    let hbStar = named(hb, "hb").plus(named: "lkmm.hb+", solver, z3).optional(executed)
    let pb = named(named(firstStep, "prop;strong-fence;[Marked]") ⨾ hbStar, "pb")
    let pbStar = pb.plus(named: "lkmm.pb+", solver, z3).optional(executed)
    // rcu-order only reads rcu-link from a grace period or a lock (what order, gp and rscsi end
    // on) to a grace period or an unlock (where they start): its other entries are never used,
    // so they are left out before anything is named.
    let closing = events.map { $0.kernel?.openingLock != nil }
    let startsOrder = zip(events, closing).map { $0.isGracePeriod || $1 }
    var endsOrder = events.map(\.isGracePeriod)
    for case let lock? in events.map({ $0.kernel?.openingLock }) { endsOrder[lock] = true }
    let fromEnds = po.optional(executed).filtered { i, _ in endsOrder[i] }
    let link = named(
      (named(named(fromEnds ⨾ hbStar, "po?;hb*") ⨾ pbStar, "po?;hb*;pb*") ⨾ prop ⨾ po).filtered { _, j in
        startsOrder[j]
      }, "rcu-link")
    // rcu-rscs^-1 and srcu-rscs^-1: from each unlock back to the lock it closes.
    var sectionsInverse = Relation(count: count)
    var srcuSectionsInverse = Relation(count: count)
    for (unlock, event) in events.enumerated() {
      if let lock = event.kernel?.openingLock {
        let closes = event.executed && events[lock].executed
        if event.kernel?.srcu == .unlock {
          srcuSectionsInverse[unlock, lock] = closes
        } else {
          sectionsInverse[unlock, lock] = closes
        }
      }
    }
    // loc, between the SRCU events: the only events here whose location matters.
    let srcu = events.map { $0.kernel?.srcu != nil }
    let sameStructure = Relation.pairs(count: count) { i, j in
      srcu[i] && srcu[j] ? events[i].address == events[j].address : Formula(false)
    }
    let gp = Relation.identity(synchronize)
    let srcuGP = Relation.identity(synchronizeSRCU)
    let gpLink = named(gp ⨾ link, "gp-link")
    let sectionLink = named(sectionsInverse ⨾ link, "rscs-link")
    let srcuGPLink = named(srcuGP ⨾ link, "srcu-gp-link")
    let srcuSectionLink = named(srcuSectionsInverse ⨾ link, "srcu-rscs-link")
    // The least fixed point: each round nests one more level or joins two sequences, so as many
    // rounds as there are grace periods and sections reach every sequence of distinct ones.
    let units = events.filter(\.isGracePeriod).count + closing.filter { $0 }.count
    var order = named(
      gp | srcuGP | (gpLink ⨾ sectionsInverse) | (sectionLink ⨾ gp)
        | ((srcuGPLink ⨾ srcuSectionsInverse) | (srcuSectionLink ⨾ srcuGP)) & sameStructure,
      "rcu-order.0")
    for round in 0..<units {
      let orderLink = named(order ⨾ link, "rcu-order-link.\(round)")
      let nestedRCU = (gpLink ⨾ orderLink ⨾ sectionsInverse) | (sectionLink ⨾ orderLink ⨾ gp)
      let nestedSRCU = ((srcuGPLink ⨾ orderLink ⨾ srcuSectionsInverse) | (srcuSectionLink ⨾ orderLink ⨾ srcuGP))
      order = named(
        order | nestedRCU | nestedSRCU & sameStructure | (orderLink ⨾ order), "rcu-order.\(round + 1)")
    }
    let rcuFence = named(po ⨾ order ⨾ po.optional(executed), "rcu-fence")
    let after = named(named(hbStar ⨾ pbStar, "hb*;pb*") ⨾ marked, "hb*;pb*;[Marked]")
    let rb = named(prop ⨾ rcuFence, "prop;rcu-fence") ⨾ after
    for i in 0..<count where !Relation.isFalse(rb[i, i]) { solver.assert(!rb[i, i]) }
    return (rcuFence, rb)
  }

  /// A rank per event that every present edge increases: the relation has no cycle.
  private func acyclic(_ relation: Relation, _ name: String, _ solver: Solver) {
    guard !dropped.contains(name) else { return }
    let ranks = (0..<count).map { z3.rankVariable("rank.lkmm.\(name).\($0)") }
    // One assertion: Z3 simplifies each assertion on its own, and the edges share most of their
    // terms.
    var parts: [Formula] = []
    for i in 0..<count {
      for j in 0..<count where i != j && !Relation.isFalse(relation[i, j]) {
        parts.append(relation[i, j].implies(ranks[i].precedes(ranks[j])))
      }
      if !Relation.isFalse(relation[i, i]) { parts.append(!relation[i, i]) }
    }
    if let all = Formula.fold(parts, and: true) { solver.assert(all) }
  }
}

extension MemoryEvent {
  /// `synchronize_rcu()` or `synchronize_srcu()`: the bell's `Sync-rcu | Sync-srcu`.
  var isGracePeriod: Bool { kernel?.fence == .syncRCU || kernel?.srcu == .synchronize }
}
