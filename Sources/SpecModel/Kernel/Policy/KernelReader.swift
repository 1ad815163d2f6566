import Foundation

/// Reads the KVM RISC-V ISA-extension policy out of a kernel tree or explicit files.
public enum KernelReader {
  static let enumName = "KVM_RISCV_ISA_EXT_ID"
  static let idPrefix = "KVM_RISCV_ISA_EXT_"
  static let hostPrefix = "RISCV_ISA_EXT_"
  static let enableFunctions = ["kvm_riscv_vcpu_isa_enable_allowed", "kvm_riscv_isa_enable_allowed"]
  static let disableFunctions = ["kvm_riscv_vcpu_isa_disable_allowed", "kvm_riscv_isa_disable_allowed"]

  /// The header and the policy file of a tree, newest layout first.
  public static func locate(tree: String) throws(SourceError) -> (header: String, policy: String) {
    let header = (tree as NSString).appendingPathComponent("arch/riscv/include/uapi/asm/kvm.h")
    guard FileManager.default.fileExists(atPath: header) else {
      // A whole RISC-V port (its Kconfig) from before KVM (v5.16) has no policy to prove; a folder
      // without one is no tree, or a partial copy.
      let port = (tree as NSString).appendingPathComponent("arch/riscv/Kconfig")
      let message =
        FileManager.default.fileExists(atPath: port)
        ? "no uapi kvm.h here: this tree's RISC-V port predates KVM (v5.16), so it has no ISA-extension policy"
        : "no uapi kvm.h here: is \(tree) a Linux tree?"
      throw SourceError(file: header, line: 1, column: 1, message: message)
    }
    var candidates: [String] = []
    for name in ["isa.c", "vcpu_onereg.c", "vcpu.c"] {
      let path = (tree as NSString).appendingPathComponent("arch/riscv/kvm/\(name)")
      guard FileManager.default.fileExists(atPath: path) else { continue }
      candidates.append(path)
      // A file that cannot be read as text is an error where it is, not a reason to look elsewhere.
      if try SourceText.read(path).contains("kvm_isa_ext_arr") { return (header, path) }
    }
    // Without the table anywhere, the newest era's file is the one that should hold it: reading it
    // gives an error located in a file, not in a folder.
    if let newest = candidates.first { return (header, newest) }
    throw SourceError(
      file: (tree as NSString).appendingPathComponent("arch/riscv/kvm"), line: 1, column: 1,
      message: "no isa.c, vcpu_onereg.c or vcpu.c with kvm_isa_ext_arr[]")
  }

  public static func read(tree: String) throws(SourceError) -> KernelPolicy {
    let (header, policy) = try locate(tree: tree)
    return try read(header: header, policy: policy)
  }

  public static func read(header: String, policy: String) throws(SourceError) -> KernelPolicy {
    let headerTokens = try tokens(of: header)
    let policyTokens = try tokens(of: policy)
    let entries = try readEnum(headerTokens, file: header)
    let table = try readTable(policyTokens, file: policy)
    let enable = try readSwitch(policyTokens, file: policy, functions: enableFunctions)
    let disable = try readSwitch(policyTokens, file: policy, functions: disableFunctions)
    var result = KernelPolicy(
      enumEntries: entries, table: table, enable: enable, disable: disable, policyFile: policy, headerFile: header)
    (result.hostCheckRemap, result.nestedFilter) = readHostCheck(policyTokens)
    // The setter lives beside the table (v6.4–2025) or in vcpu_onereg.c (2026).
    let folder = SourceText.folder(of: policy)
    var searched: [String] = []
    for path in [policy] + ["vcpu_onereg.c", "vcpu.c"].map({ (folder as NSString).appendingPathComponent($0) })
    where FileManager.default.fileExists(atPath: path) && !searched.contains(path) {
      searched.append(path)
      let tokens = path == policy ? policyTokens : try self.tokens(of: path)
      if let reading = readSetter(tokens, file: path, enable: enable.function, disable: disable.function) {
        result.setter = reading
        result.multiIgnoresSingle = readMultiSetter(tokens, file: path)
        break
      }
      result.setter = .missing(searched: searched)
    }
    return result
  }

  static func tokens(of path: String) throws(SourceError) -> [CToken] {
    return try CTokenizer.tokenize(try SourceText.read(path), file: path)
  }

  /// A cursor over tokens that reports what it expected where.
  struct Cursor {
    let tokens: [CToken]
    let file: String
    var index: Int

    var current: CToken? { index < tokens.count ? tokens[index] : nil }

    func error(_ message: String) -> SourceError {
      if let token = current {
        return SourceError(
          file: file, line: token.line, column: token.column, message: "\(message), found '\(token.text)'")
      }
      let last = tokens.last
      return SourceError(
        file: file, line: last?.line ?? 1, column: (last?.column ?? 0) + (last?.text.count ?? 0),
        message: "\(message), found the end of the file")
    }

    mutating func expect(_ text: String) throws(SourceError) {
      guard current?.text == text else { throw error("expected '\(text)'") }
      index += 1
    }

    mutating func identifier(_ what: String) throws(SourceError) -> CToken {
      guard let token = current, token.kind == .identifier else { throw error("expected \(what)") }
      index += 1
      return token
    }

    /// After a list element: a ',' (skipped), or the closing '}' (left in place).
    mutating func skipSeparator() throws(SourceError) {
      if current?.text == "," {
        index += 1
      } else if current?.text != "}" {
        throw error("expected ',' or '}'")
      }
    }

    func location(_ token: CToken) -> SourceLocation {
      SourceLocation(file: file, line: token.line, column: token.column)
    }
  }

  static func find(_ tokens: [CToken], _ sequence: [String], from first: Int = 0) -> Int? {
    guard tokens.count >= sequence.count, first <= tokens.count - sequence.count else { return nil }
    for start in first...(tokens.count - sequence.count)
    where zip(tokens[start...], sequence).allSatisfy({ $0.text == $1 }) {
      return start
    }
    return nil
  }

  static func strip(_ name: String, _ prefix: String) -> String? {
    name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : nil
  }

  static func number(_ text: String) -> Int? {
    let digits = text.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "ul"))
    if digits.hasPrefix("0x") { return Int(digits.dropFirst(2), radix: 16) }
    return Int(digits)
  }

  // MARK: The enum

  static func readEnum(_ tokens: [CToken], file: String) throws(SourceError) -> [EnumEntry] {
    guard let start = find(tokens, ["enum", enumName, "{"]) else {
      throw SourceError(file: file, line: 1, column: 1, message: "no 'enum \(enumName) {' in this file")
    }
    var cursor = Cursor(tokens: tokens, file: file, index: start + 3)
    var entries: [EnumEntry] = []
    var next = 0
    while cursor.current?.text != "}" {
      let token = try cursor.identifier("an enumerator")
      guard let name = strip(token.text, idPrefix) else {
        throw SourceError(
          file: file, line: token.line, column: token.column,
          message: "enumerator '\(token.text)' lacks the \(idPrefix) prefix")
      }
      if cursor.current?.text == "=" {
        cursor.index += 1
        guard let valueToken = cursor.current, valueToken.kind == .number, let value = number(valueToken.text) else {
          throw cursor.error("expected a number")
        }
        cursor.index += 1
        next = value
      }
      // A C enumerator is an int; past that the value means nothing (and counting on overflows).
      guard next <= Int(Int32.max) else {
        throw SourceError(
          file: file, line: token.line, column: token.column,
          message: "\(token.text) = \(next) does not fit in a C int")
      }
      entries.append(EnumEntry(name: name, value: next, location: cursor.location(token)))
      next += 1
      try cursor.skipSeparator()
    }
    try cursor.expect("}")
    return entries
  }

  // MARK: The table

  /// The expected body of `#define KVM_ISA_EXT_ARR(ext)`.
  static let macroBody = "[KVM_RISCV_ISA_EXT_##ext] = RISCV_ISA_EXT_##ext"

  /// The 2026 two-argument form, `{ host, nested }`.
  static let macroBodyNested = "[KVM_RISCV_ISA_EXT_##ext] = { RISCV_ISA_EXT_##ext, nested }"

  static func flag(_ cursor: inout Cursor) throws(SourceError) -> Bool {
    guard let token = cursor.current, token.text == "true" || token.text == "false" else {
      throw cursor.error("expected true or false")
    }
    cursor.index += 1
    return token.text == "true"
  }

  /// `__kvm_riscv_isa_check_host` (2026): `case RISCV_ISA_EXT_X: host_ext = RISCV_ISA_EXT_Y;`
  /// remaps the presence check, and a `.nested` test hides entries not marked nested.
  static func readHostCheck(_ tokens: [CToken]) -> (remap: [String: String], nestedFilter: Bool) {
    guard
      var index = SetterReader.hostCheckFunctions.lazy.compactMap({ definition(of: $0, in: tokens)?.body }).first
    else { return ([:], false) }
    var depth = 0
    var body: [CToken] = []
    while index < tokens.count {
      if tokens[index].text == "{" { depth += 1 }
      if tokens[index].text == "}" { depth -= 1 }
      body.append(tokens[index])
      index += 1
      if depth == 0 { break }
    }
    var remap: [String: String] = [:]
    var label: String?
    for (position, token) in body.enumerated() {
      if token.text == "case", position + 1 < body.count, let host = strip(body[position + 1].text, hostPrefix) {
        label = host
      } else if token.text == "break" || token.text == "default" {
        label = nil
      } else if let from = label, token.text == "=", position + 1 < body.count,
        let to = strip(body[position + 1].text, hostPrefix)
      {
        remap[from] = to
      }
    }
    let nested = body.contains { $0.text == "nested" } && body.contains { $0.text == "kvm_riscv_nested_available" }
    return (remap, nested)
  }

  static let setterFunctions = ["riscv_vcpu_set_isa_ext_single", "kvm_riscv_vcpu_set_reg_isa_ext"]

  static let multiSetterFunction = "riscv_vcpu_set_isa_ext_multi"

  /// The index of the `{` opening the definition of `function`, skipping prototypes and calls.
  static func definition(of function: String, in tokens: [CToken]) -> (name: Int, body: Int)? {
    var search = 0
    while let start = find(tokens, [function, "("], from: search) {
      var index = start + 1
      var depth = 0
      while index < tokens.count {
        if tokens[index].text == "(" { depth += 1 }
        if tokens[index].text == ")" {
          depth -= 1
          if depth == 0 { break }
        }
        index += 1
      }
      if index + 1 < tokens.count && tokens[index + 1].text == "{" { return (start, index + 1) }
      search = start + 1
    }
    return nil
  }

  /// Finds the ISA_EXT setter's definition and reads its body; nil when this file has none.
  static func readSetter(_ tokens: [CToken], file: String, enable: String, disable: String) -> SetterReading? {
    for function in setterFunctions {
      guard let (name, body) = definition(of: function, in: tokens) else { continue }
      let location = SourceLocation(file: file, line: tokens[name].line, column: tokens[name].column)
      var reader = SetterReader(file: file, enableFunctions: [enable], disableFunctions: [disable])
      do {
        let statements = try reader.read(tokens: tokens, parameters: name + 1, body: body)
        return .read(
          SetterModel(
            function: function, location: location, body: statements, choices: reader.choices, unread: reader.unread))
      } catch {
        return .unreadable(function: function, at: error.location, reason: error.reason)
      }
    }
    return nil
  }

  /// Where the MULTI setter calls the SINGLE setter as a statement, dropping what it returns.
  static func readMultiSetter(_ tokens: [CToken], file: String) -> SourceLocation? {
    guard let (_, body) = definition(of: multiSetterFunction, in: tokens) else { return nil }
    var depth = 0
    var index = body
    while index < tokens.count {
      let token = tokens[index]
      if token.text == "{" { depth += 1 }
      if token.text == "}" {
        depth -= 1
        if depth == 0 { return nil }
      }
      if setterFunctions.contains(token.text), index + 1 < tokens.count, tokens[index + 1].text == "(",
        index > 0, [";", "{", "}", ")"].contains(tokens[index - 1].text)
      {
        return SourceLocation(file: file, line: token.line, column: token.column)
      }
      index += 1
    }
    return nil
  }

  static func readTable(_ tokens: [CToken], file: String) throws(SourceError) -> [TableEntry] {
    guard let start = find(tokens, ["kvm_isa_ext_arr", "[", "]", "=", "{"]) else {
      throw SourceError(file: file, line: 1, column: 1, message: "no 'kvm_isa_ext_arr[] = {' in this file")
    }
    let macro = tokens.first {
      $0.kind == .preprocessor && $0.text.contains("KVM_ISA_EXT_ARR(") && $0.text.contains("define")
    }
    var cursor = Cursor(tokens: tokens, file: file, index: start + 5)
    var entries: [TableEntry] = []
    while cursor.current?.text != "}" {
      if cursor.current?.text == "[" {
        cursor.index += 1
        let idToken = try cursor.identifier("a KVM_RISCV_ISA_EXT_* index")
        guard let id = strip(idToken.text, idPrefix) else {
          throw SourceError(
            file: file, line: idToken.line, column: idToken.column,
            message: "index '\(idToken.text)' is not a \(idPrefix)* id")
        }
        try cursor.expect("]")
        try cursor.expect("=")
        // `RISCV_ISA_EXT_x`, or the 2026 struct form `{ RISCV_ISA_EXT_x, nested }`.
        let braced = cursor.current?.text == "{"
        if braced { cursor.index += 1 }
        let hostToken = try cursor.identifier("a RISCV_ISA_EXT_* host extension")
        guard let host = strip(hostToken.text, hostPrefix) else {
          throw SourceError(
            file: file, line: hostToken.line, column: hostToken.column,
            message: "'\(hostToken.text)' is not a \(hostPrefix)* host extension")
        }
        var entry = TableEntry(id: id, host: host, location: cursor.location(idToken))
        if braced {
          if cursor.current?.text == "," {
            cursor.index += 1
            entry.nested = try flag(&cursor)
          }
          try cursor.expect("}")
        }
        entries.append(entry)
      } else if cursor.current?.text == "KVM_ISA_EXT_ARR", let use = cursor.current {
        guard let macro else {
          throw SourceError(
            file: file, line: use.line, column: use.column, message: "KVM_ISA_EXT_ARR used but never #defined")
        }
        let normalized = macro.text.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
        let twoArguments = normalized.contains("KVM_ISA_EXT_ARR(ext, nested)")
        let expected = twoArguments ? macroBodyNested : macroBody
        guard normalized.hasSuffix(expected) else {
          throw SourceError(
            file: file, line: macro.line, column: macro.column,
            message: "KVM_ISA_EXT_ARR is not defined as '\(expected)'")
        }
        cursor.index += 1
        try cursor.expect("(")
        let name = try cursor.identifier("an extension name")
        var entry = TableEntry(id: name.text, host: name.text, location: cursor.location(use))
        if twoArguments {
          try cursor.expect(",")
          entry.nested = try flag(&cursor)
        }
        try cursor.expect(")")
        entries.append(entry)
      } else {
        throw cursor.error("expected '[KVM_RISCV_ISA_EXT_X] = RISCV_ISA_EXT_x' or 'KVM_ISA_EXT_ARR(X)'")
      }
      try cursor.skipSeparator()
    }
    try cursor.expect("}")
    return entries
  }

  // MARK: The switches

  static func readSwitch(_ tokens: [CToken], file: String, functions: [String]) throws(SourceError) -> PolicySwitch {
    guard
      let (name, start) = functions.lazy.compactMap({ function in
        definition(of: function, in: tokens).map { (function, $0.body + 1) }
      }).first
    else {
      throw SourceError(
        file: file, line: 1, column: 1, message: "no definition of \(functions.joined(separator: " or "))")
    }
    var cursor = Cursor(tokens: tokens, file: file, index: start)
    let functionLocation = cursor.location(tokens[start - 1])
    // Skip declarations up to the switch.
    while let token = cursor.current, token.text != "switch" {
      if token.text == "}" { throw cursor.error("expected a 'switch' in \(name)") }
      cursor.index += 1
    }
    try cursor.expect("switch")
    try cursor.expect("(")
    _ = try cursor.identifier("the switched variable")
    try cursor.expect(")")
    try cursor.expect("{")
    var answers: [String: PolicyAnswer] = [:]
    var locations: [String: SourceLocation] = [:]
    var groups: [[String]] = []
    var pending: [String] = []
    var breaking: [String] = []
    var defaultAnswer: PolicyAnswer?
    var defaultBreaks = false
    var pendingDefault = false
    while cursor.current?.text != "}" {
      guard let token = cursor.current else { throw cursor.error("expected '}' closing the switch") }
      switch token.text {
      case "case":
        cursor.index += 1
        let label = try cursor.identifier("a KVM_RISCV_ISA_EXT_* label")
        guard let id = strip(label.text, idPrefix) else {
          throw SourceError(
            file: file, line: label.line, column: label.column,
            message: "case label '\(label.text)' is not a \(idPrefix)* id")
        }
        try cursor.expect(":")
        pending.append(id)
        locations[id] = locations[id] ?? cursor.location(label)
      case "default":
        cursor.index += 1
        try cursor.expect(":")
        pendingDefault = true
      case "return":
        cursor.index += 1
        let answer = try readAnswer(&cursor)
        for id in pending where answers[id] == nil { answers[id] = answer }
        if !pending.isEmpty { groups.append(pending) }
        if pendingDefault { defaultAnswer = answer }
        pending = []
        pendingDefault = false
      case "break":
        cursor.index += 1
        try cursor.expect(";")
        breaking += pending
        if !pending.isEmpty { groups.append(pending) }
        if pendingDefault { defaultBreaks = true }
        pending = []
        pendingDefault = false
      default:
        throw cursor.error("expected 'case', 'default', 'return' or 'break' in the switch of \(name)")
      }
    }
    try cursor.expect("}")
    // After the switch: the answer for every id that breaks out or is not listed.
    try cursor.expect("return")
    let after = try readAnswer(&cursor)
    for id in breaking + pending where answers[id] == nil { answers[id] = after }
    let fallback = defaultBreaks || defaultAnswer == nil ? after : (defaultAnswer ?? after)
    return PolicySwitch(
      function: name, answers: answers, locations: locations, fallback: fallback, groups: groups,
      location: functionLocation)
  }

  /// `false;`, `true;`, or a host predicate up to `;`.
  static func readAnswer(_ cursor: inout Cursor) throws(SourceError) -> PolicyAnswer {
    var parts: [String] = []
    var depth = 0
    while let token = cursor.current, token.text != ";" || depth > 0 {
      if token.text == "(" { depth += 1 }
      if token.text == ")" { depth -= 1 }
      if token.text == "{" || token.text == "}" { throw cursor.error("expected ';' ending the return") }
      parts.append(token.text)
      cursor.index += 1
    }
    try cursor.expect(";")
    guard !parts.isEmpty else { throw cursor.error("expected a value after 'return'") }
    if parts == ["false"] { return .never }
    if parts == ["true"] { return .always }
    var negated = false
    if parts.first == "!" {
      negated = true
      parts.removeFirst()
    }
    return .predicate(parts.joined(), negated: negated)
  }
}
