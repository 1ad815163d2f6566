/// A struct or union whose fields are integers: a value of it is one bit-vector, each field the
/// bits at its offset (little-endian, as RISC-V lays them out). The kernel's 128-bit cmpxchg
/// splits its values this way (`union __u128_halves { u128 full; struct { u64 low, high; }; }`).
public struct CRecord: Hashable, Sendable {
  public struct Field: Hashable, Sendable {
    public let name: String
    public let type: CType
    /// Bits below the field.
    public let offset: Int
  }

  /// `union __u128_halves`, `struct foo`.
  public let name: String
  public let bits: Int
  public let fields: [Field]

  public func field(_ name: String) -> Field? { fields.first { $0.name == name } }

  /// Every struct and union defined at file scope in `tokens`, by name (`union x`). A definition
  /// with a field this reader does not know (an array, a pointer to a record, a bit-field) is left
  /// out: a primitive that uses it is unknown where it does.
  static func definitions(in tokens: [CToken], xlen: Int) -> [String: CRecord] {
    var records: [String: CRecord] = [:]
    var depth = 0
    var index = 0
    while index < tokens.count {
      let token = tokens[index]
      if token.text == "{" { depth += 1 }
      if token.text == "}" { depth -= 1 }
      // `typedef struct { … } name;` (or `typedef struct tag { … } name;`): the record is known by
      // the typedef's name.
      let tagged = index + 3 < tokens.count && tokens[index + 2].kind == .identifier && tokens[index + 3].text == "{"
      if depth == 0, token.text == "typedef", index + 2 < tokens.count,
        tokens[index + 1].text == "struct" || tokens[index + 1].text == "union", tokens[index + 2].text == "{" || tagged
      {
        var cursor = index + (tagged ? 4 : 3)
        let members = members(tokens, &cursor, union: tokens[index + 1].text == "union", xlen: xlen, records: records)
        if let (fields, bits) = members, cursor < tokens.count, tokens[cursor].kind == .identifier {
          records[tokens[cursor].text] = CRecord(name: tokens[cursor].text, bits: bits, fields: fields)
          // And by its tag (`struct qspinlock`), as code that takes a pointer to it names it.
          if tagged {
            let tag = "\(tokens[index + 1].text) \(tokens[index + 2].text)"
            records[tag] = CRecord(name: tag, bits: bits, fields: fields)
          }
        }
        index = cursor
        continue
      }
      // `typedef atomic64_t atomic_long_t;`: another name for a record already known.
      if depth == 0, token.text == "typedef", index + 3 < tokens.count, let record = records[tokens[index + 1].text],
        tokens[index + 2].kind == .identifier, tokens[index + 3].text == ";"
      {
        records[tokens[index + 2].text] = CRecord(
          name: tokens[index + 2].text, bits: record.bits, fields: record.fields)
        index += 4
        continue
      }
      if depth == 0, token.text == "struct" || token.text == "union", index + 2 < tokens.count,
        tokens[index + 1].kind == .identifier, tokens[index + 2].text == "{"
      {
        var cursor = index + 3
        if let (fields, bits) = members(tokens, &cursor, union: token.text == "union", xlen: xlen, records: records) {
          let name = "\(token.text) \(tokens[index + 1].text)"
          records[name] = CRecord(name: name, bits: bits, fields: fields)
        }
        index = cursor
        continue
      }
      index += 1
    }
    return records
  }

  /// The members up to the `}` that closes a body (consumed): their fields, and the record's size.
  private static func members(
    _ tokens: [CToken], _ index: inout Int, union: Bool, xlen: Int, records: [String: CRecord]
  ) -> ([Field], Int)? {
    var fields: [Field] = []
    var size = 0
    var known = true
    func place(_ inner: [Field], bits: Int) {
      // A union's members all start at 0; a struct's follow each other, each aligned to its size.
      let start = union ? 0 : (size + bits - 1) / max(bits, 1) * max(bits, 1)
      fields += inner.map { Field(name: $0.name, type: $0.type, offset: $0.offset + start) }
      size = max(size, start + bits)
    }
    while index < tokens.count, tokens[index].text != "}" {
      // An anonymous struct or union: its fields are the enclosing record's.
      if tokens[index].text == "struct" || tokens[index].text == "union", index + 1 < tokens.count,
        tokens[index + 1].text == "{"
      {
        let isUnion = tokens[index].text == "union"
        index += 2
        guard let (inner, bits) = members(tokens, &index, union: isUnion, xlen: xlen, records: records) else {
          return nil
        }
        place(inner, bits: bits)
        while index < tokens.count, tokens[index].text != ";" { index += 1 }
        index += 1
        continue
      }
      // `TYPE a, b;`
      var words: [String] = []
      while index < tokens.count, tokens[index].text != ";", tokens[index].text != "}" {
        words.append(tokens[index].text)
        index += 1
      }
      if index < tokens.count, tokens[index].text == ";" { index += 1 }
      let declaration = words.split(separator: ",").map(Array.init)
      // A field of a record already known (`atomic_t val;`) takes its bits.
      if let first = declaration.first, first.count == 2, let record = records[first[0]] {
        place([Field(name: first[1], type: .record(record), offset: 0)], bits: record.bits)
        known = known && declaration.count == 1
        continue
      }
      guard let first = declaration.first, first.count >= 2,
        let type = CType.named(Array(first.dropLast()), xlen: xlen), case .integer(let bits, _) = type
      else {
        known = false
        continue
      }
      for declarator in declaration {
        guard let name = declarator.last, declarator.count == 1 || declarator == first else {
          known = false
          continue
        }
        place([Field(name: name, type: type, offset: 0)], bits: bits)
      }
    }
    index += 1
    return known ? (fields, size) : nil
  }
}
