/// Integer register names: `x0`…`x31` and the psABI names objdump prints.
public enum RegisterNames {
  public static let abi: [String] = [
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1",
    "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7",
    "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11",
    "t3", "t4", "t5", "t6",
  ]

  private static let byName: [String: Int] = {
    var table: [String: Int] = ["fp": 8]
    for (number, name) in abi.enumerated() {
      table[name] = number
      table["x\(number)"] = number
    }
    return table
  }()

  public static func name(_ number: Int) -> String { abi[number] }

  public static func number(_ name: String) -> Int? { byName[name.lowercased()] }
}
