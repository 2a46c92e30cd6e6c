package io.jomed.training.dataset.npy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed header of a {@code .npy} array: the python dict literal
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }}.
 *
 * @param descr the raw dtype string
 * @param fortranOrder whether the data are in column-major order
 * @param shape the dimensions, empty for a scalar
 */
record NpyHeader(String descr, boolean fortranOrder, long[] shape) {

    /**
     * Parses the header text (without magic, version and length).
     *
     * @param source names the array in error messages
     */
    static NpyHeader parse(String text, String source) throws NpyFormatException {
        Map<String, Object> dict = new Parser(text.strip(), source).parseDict();
        Object descr = require(dict, "descr", source);
        Object fortran = require(dict, "fortran_order", source);
        Object shape = require(dict, "shape", source);
        if (descr instanceof StructuredDescr) {
            throw new NpyFormatException(source + ": unsupported dtype: structured (record) arrays are not supported,"
                    + " only plain numeric dtypes");
        }
        if (!(descr instanceof String d)) {
            throw new NpyFormatException(source + ": header field 'descr' must be a string, got " + descr);
        }
        if (!(fortran instanceof Boolean f)) {
            throw new NpyFormatException(source + ": header field 'fortran_order' must be True or False, got " + fortran);
        }
        if (!(shape instanceof long[] s)) {
            throw new NpyFormatException(source + ": header field 'shape' must be a tuple of integers, got " + shape);
        }
        return new NpyHeader(d, f, s);
    }

    private static Object require(Map<String, Object> dict, String key, String source) throws NpyFormatException {
        Object v = dict.get(key);
        if (v == null) {
            throw new NpyFormatException(source + ": npy header lacks the field '" + key + "' (has " + dict.keySet() + ")");
        }
        return v;
    }

    /** Marker for a list-valued {@code descr} (structured dtype). */
    private record StructuredDescr() {
    }

    /** Recursive-descent parser for the small python literal subset numpy writes. */
    private static final class Parser {
        private final String s;
        private final String source;
        private int pos;

        Parser(String s, String source) {
            this.s = s;
            this.source = source;
        }

        Map<String, Object> parseDict() throws NpyFormatException {
            Map<String, Object> out = new LinkedHashMap<>();
            expect('{');
            skipSpace();
            while (peek() != '}') {
                String key = parseString();
                expect(':');
                out.put(key, parseValue());
                skipSpace();
                if (peek() == ',') {
                    pos++;
                    skipSpace();
                } else if (peek() != '}') {
                    throw error("expected ',' or '}'");
                }
            }
            pos++;
            skipSpace();
            if (pos != s.length()) {
                throw error("unexpected text after the header dict");
            }
            return out;
        }

        private Object parseValue() throws NpyFormatException {
            skipSpace();
            char c = peek();
            if (c == '\'' || c == '"') {
                return parseString();
            }
            if (c == '(') {
                return parseTuple();
            }
            if (c == '[') {
                skipBracketed();
                return new StructuredDescr();
            }
            if (s.startsWith("True", pos)) {
                pos += 4;
                return Boolean.TRUE;
            }
            if (s.startsWith("False", pos)) {
                pos += 5;
                return Boolean.FALSE;
            }
            throw error("unsupported value");
        }

        private long[] parseTuple() throws NpyFormatException {
            expect('(');
            List<Long> dims = new ArrayList<>();
            skipSpace();
            while (peek() != ')') {
                int start = pos;
                while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
                    pos++;
                }
                if (start == pos) {
                    throw error("expected a non-negative integer in the shape tuple");
                }
                try {
                    dims.add(Long.parseLong(s.substring(start, pos)));
                } catch (NumberFormatException e) {
                    throw error("shape dimension too large");
                }
                if (pos < s.length() && (s.charAt(pos) == 'L' || s.charAt(pos) == 'l')) {
                    pos++; // python 2 long suffix
                }
                skipSpace();
                if (peek() == ',') {
                    pos++;
                    skipSpace();
                } else if (peek() != ')') {
                    throw error("expected ',' or ')' in the shape tuple");
                }
            }
            pos++;
            return dims.stream().mapToLong(Long::longValue).toArray();
        }

        private void skipBracketed() throws NpyFormatException {
            int depth = 0;
            do {
                char c = peek();
                if (c == '[' || c == '(') {
                    depth++;
                } else if (c == ']' || c == ')') {
                    depth--;
                }
                pos++;
            } while (depth > 0);
        }

        private String parseString() throws NpyFormatException {
            skipSpace();
            char quote = peek();
            if (quote != '\'' && quote != '"') {
                throw error("expected a quoted string");
            }
            int end = s.indexOf(quote, pos + 1);
            if (end < 0) {
                throw error("unterminated string");
            }
            String value = s.substring(pos + 1, end);
            pos = end + 1;
            return value;
        }

        private void expect(char c) throws NpyFormatException {
            skipSpace();
            if (peek() != c) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        private char peek() throws NpyFormatException {
            if (pos >= s.length()) {
                throw error("header ends early");
            }
            return s.charAt(pos);
        }

        private void skipSpace() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }

        private NpyFormatException error(String what) {
            String shown = s.length() <= 200 ? s : s.substring(0, 200) + "...";
            return new NpyFormatException(source + ": malformed npy header at character " + pos + ": " + what
                    + " (header: " + shown + ")");
        }
    }
}
