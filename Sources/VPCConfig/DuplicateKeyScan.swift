import CYaml

/// Finds duplicate mapping keys in one pass over libyaml's parse events, without composing.
///
/// Yams refuses a mapping with a duplicate key as a whole, naming one duplicate; the loader
/// renames every earlier occurrence first (see `ConfigLoader.compose`) so that one compose sees
/// the whole document. Only plain or quoted scalar keys without a tag are compared (by their
/// value, as the config reader compares keys); the rarer alias, tagged or collection keys are left
/// to Yams. Text that does not parse gives what was found before the error; composing then
/// reports the error itself.
enum DuplicateKeyScan {
    /// Every scalar key written again later in the same mapping (all but its last occurrence),
    /// with its position (1-based, as Yams marks) and value, in document order.
    static func earlierOccurrences(in yaml: String) -> [(position: Position, name: String)] {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return [] }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        let bytes = Array(yaml.utf8)
        return bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            return scan(&parser)
        }
    }

    /// One open collection: for a mapping, whether the next node is a key, and the keys so far.
    private struct Frame {
        var isMapping: Bool
        var expectingKey = true
        var keys: [String: Position] = [:]
    }

    private static func scan(_ parser: inout yaml_parser_t) -> [(position: Position, name: String)] {
        var found: [(position: Position, name: String)] = []
        var stack: [Frame] = []
        var event = yaml_event_t()
        /// Called when a whole node (scalar, alias or collection) has been read.
        func nodeDone() {
            guard !stack.isEmpty, stack[stack.count - 1].isMapping else { return }
            stack[stack.count - 1].expectingKey.toggle()
        }
        while yaml_parser_parse(&parser, &event) == 1 {
            defer { yaml_event_delete(&event) }
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return found
            case YAML_SCALAR_EVENT:
                if let top = stack.last, top.isMapping, top.expectingKey, event.data.scalar.tag == nil {
                    let name = String(decoding: UnsafeBufferPointer(start: event.data.scalar.value, count: event.data.scalar.length),
                                      as: UTF8.self)
                    let position = Position(line: event.start_mark.line + 1, column: event.start_mark.column + 1)
                    if let earlier = stack[stack.count - 1].keys.updateValue(position, forKey: name) {
                        found.append((earlier, name))
                    }
                }
                nodeDone()
            case YAML_ALIAS_EVENT:
                nodeDone()
            case YAML_SEQUENCE_START_EVENT:
                stack.append(Frame(isMapping: false))
            case YAML_MAPPING_START_EVENT:
                stack.append(Frame(isMapping: true))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                stack.removeLast()
                nodeDone()
            default:
                break
            }
        }
        return found
    }
}
