/// Turns a hart's backward branches into straight-line code, as herd does: a backward branch is
/// taken at most `bound` times, so the loop body is copied `bound + 1` times; each copy but the last
/// ends in the branch inverted to leave the loop, and the last in an assumption that the branch is
/// not taken, so executions needing more iterations are not candidates at all.
public enum LoopUnroller {
  /// herd7's default (`-unroll 2`): Andy27's 21 executions need exactly this.
  public static let defaultBound = 2

  /// The mnemonic of the pseudo-instruction that drops executions taking the branch it carries.
  static let assumeNotTaken = "assume-not-taken"

  static let inverse = ["beq": "bne", "bne": "beq", "blt": "bge", "bge": "blt", "bltu": "bgeu", "bgeu": "bltu"]

  /// The target label of a branch or `j`, when the instruction is one.
  static func target(_ instruction: LitmusInstruction) -> String? {
    guard let mnemonic = instruction.mnemonic else { return nil }
    if mnemonic == "j" { return instruction.operands.first }
    return inverse[mnemonic] != nil && instruction.operands.count == 3 ? instruction.operands[2] : nil
  }

  /// Whether `instructions` branch backward anywhere.
  static func hasLoop(_ instructions: [LitmusInstruction]) -> Bool { firstBackwardBranch(instructions) != nil }

  static func firstBackwardBranch(_ instructions: [LitmusInstruction]) -> (start: Int, branch: Int)? {
    var seen: [String: Int] = [:]
    for (index, instruction) in instructions.enumerated() {
      if let label = instruction.label { seen[label] = index }
      if let label = target(instruction), let start = seen[label] { return (start, index) }
    }
    return nil
  }

  /// The straight-line program; past `limit` instructions (a hostile nest of loops) it is an error.
  static func unrolled(_ instructions: [LitmusInstruction], bound: Int, limit: Int = 4096) throws(LitmusModelError)
    -> [LitmusInstruction]
  {
    var program = instructions
    var serial = 0
    while let (start, branch) = firstBackwardBranch(program) {
      let loop = program[branch]
      let body = Array(program[start..<branch])
      let inside = Set(body.compactMap(\.label))
      serial += 1
      let exit = "rvcheck.exit.\(serial)"
      var expanded: [LitmusInstruction] = []
      let copies = bound + 1
      for copy in 1...copies {
        // Labels inside the body are renamed per copy, so branches stay within their copy.
        func renamed(_ label: String) -> String { copy == 1 || !inside.contains(label) ? label : "\(label).\(copy)" }
        for var instruction in body {
          instruction.label = instruction.label.map(renamed)
          if let label = target(instruction) {
            instruction.operands[instruction.operands.count - 1] = renamed(label)
          }
          expanded.append(instruction)
        }
        var end = loop
        end.label = nil
        if copy < copies {
          // Not taken: leave the loop; taken: fall into the next copy.
          if loop.mnemonic == "j" { continue }
          end.mnemonic = inverse[loop.mnemonic ?? ""]
          end.operands[2] = exit
        } else {
          end.mnemonic = assumeNotTaken
          end.operands = loop.mnemonic == "j" ? [] : [loop.mnemonic ?? ""] + loop.operands.prefix(2)
        }
        expanded.append(end)
      }
      var after = LitmusInstruction(
        label: exit, mnemonic: nil, operands: [], line: loop.line, column: loop.column)
      if branch + 1 < program.count, program[branch + 1].label == nil {
        after = program[branch + 1]
        after.label = exit
        program.remove(at: branch + 1)
      }
      program.replaceSubrange(start...branch, with: expanded + [after])
      if program.count > limit {
        throw LitmusModelError(
          line: loop.line, column: loop.column,
          message: "unrolling the loops \(bound) times makes more than \(limit) instructions")
      }
    }
    return program
  }
}
