package sdk

import (
	"errors"
	"unicode/utf16"
	"unicode/utf8"
)

// A small JSON reader and writer for contract input, output and events,
// without reflection: encoding/json works in a contract too, but adds
// about 1 MB to it, which costs gas to deploy.

// JSON is a parsed JSON object: its fields, read by name. The getters
// revert the call with a message naming the field when it is missing or
// of another type, which is what a contract wants of bad input; check
// optional fields with Has first.
type JSON struct {
	fields []jsonField // in order; objects are small, so a slice beats a map
}

type jsonField struct {
	name  string
	value []byte // raw JSON
}

func (o *JSON) lookup(name string) ([]byte, bool) {
	for i := range o.fields {
		if o.fields[i].name == name {
			return o.fields[i].value, true
		}
	}
	return nil, false
}

// ParseJSON parses a JSON object. Values are kept raw, parsed by the
// getters; nested objects and arrays are checked but not parsed.
func ParseJSON(b []byte) (*JSON, error) {
	p := &jsonParser{b: b}
	p.space()
	o, err := p.object()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.b) {
		return nil, p.fail("data after the object")
	}
	return o, nil
}

// Has reports whether the object has the field (null included).
func (o *JSON) Has(name string) bool { _, ok := o.lookup(name); return ok }

// Fields returns the field names in the order they appear.
func (o *JSON) Fields() []string {
	names := make([]string, len(o.fields))
	for i, f := range o.fields {
		names[i] = f.name
	}
	return names
}

// Raw returns the field's JSON text, and whether it is there.
func (o *JSON) Raw(name string) ([]byte, bool) { return o.lookup(name) }

func (o *JSON) field(name, want string) []byte {
	v, ok := o.lookup(name)
	if !ok {
		Revert("input: missing field \"" + name + "\"")
	}
	if len(v) == 0 || (want == "string" && v[0] != '"') {
		Revert("input: field \"" + name + "\": want " + want)
	}
	return v
}

// String returns a string field.
func (o *JSON) String(name string) string {
	s, err := unquote(o.field(name, "string"))
	if err != nil {
		Revert("input: field \"" + name + "\": " + err.Error())
	}
	return s
}

// Address returns a field holding a 0x-hex address.
func (o *JSON) Address(name string) Address {
	v := o.field(name, "string")
	if len(v) == 2+2+2*AddressSize { // no escapes: parse in place
		if a, err := parseAddressBytes(v[1 : len(v)-1]); err == nil {
			return a
		}
	}
	a, err := ParseAddress(o.String(name))
	if err != nil {
		Revert("input: field \"" + name + "\": want an address (0x and 40 hex digits)")
	}
	return a
}

// Amount returns a field holding a non-negative integer, as a JSON
// number or a decimal string ("1000000000000000000000" does not fit a
// float64 and so is best sent as a string).
func (o *JSON) Amount(name string) Amount {
	v := o.field(name, "an amount")
	s := string(v)
	if v[0] == '"' {
		s = o.String(name)
	}
	a, err := ParseAmount(s)
	if err != nil {
		Revert("input: field \"" + name + "\": want a non-negative integer")
	}
	return a
}

// Uint64 returns a field holding an integer that fits 64 bits.
func (o *JSON) Uint64(name string) uint64 {
	a := o.Amount(name)
	v, ok := a.Uint64()
	if !ok {
		Revert("input: field \"" + name + "\": above 2^64-1")
	}
	return v
}

// Bool returns a boolean field.
func (o *JSON) Bool(name string) bool {
	switch string(o.field(name, "true or false")) {
	case "true":
		return true
	case "false":
		return false
	}
	Revert("input: field \"" + name + "\": want true or false")
	return false
}

// Object returns a field holding an object.
func (o *JSON) Object(name string) *JSON {
	v := o.field(name, "an object")
	obj, err := ParseJSON(v)
	if err != nil {
		Revert("input: field \"" + name + "\": want an object")
	}
	return obj
}

// maxJSONDepth bounds nesting, so that parsing cannot exhaust the stack.
const maxJSONDepth = 64

type jsonParser struct {
	b     []byte
	i     int
	depth int
}

// errJSON is wrapped by every parse error.
var errJSON = errors.New("invalid JSON")

func (p *jsonParser) fail(what string) error {
	return errors.New(errJSON.Error() + " at byte " + utoa(uint64(p.i)) + ": " + what)
}

func (p *jsonParser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) object() (*JSON, error) {
	if p.i >= len(p.b) || p.b[p.i] != '{' {
		return nil, p.fail("want an object")
	}
	p.i++
	o := &JSON{}
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return o, nil
	}
	for {
		p.space()
		start := p.i
		if err := p.skipString(); err != nil {
			return nil, err
		}
		name, err := unquote(p.b[start:p.i])
		if err != nil {
			return nil, p.fail(err.Error())
		}
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil, p.fail("want ':'")
		}
		p.i++
		p.space()
		vstart := p.i
		if err := p.skipValue(); err != nil {
			return nil, err
		}
		if _, dup := o.lookup(name); dup {
			return nil, p.fail("field \"" + name + "\" twice")
		}
		o.fields = append(o.fields, jsonField{name, p.b[vstart:p.i:p.i]})
		p.space()
		if p.i >= len(p.b) {
			return nil, p.fail("unterminated object")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return o, nil
		default:
			return nil, p.fail("want ',' or '}'")
		}
	}
}

func (p *jsonParser) skipValue() error {
	if p.i >= len(p.b) {
		return p.fail("want a value")
	}
	switch c := p.b[p.i]; {
	case c == '"':
		return p.skipString()
	case c == '{' || c == '[':
		return p.skipNested()
	case c == '-' || ('0' <= c && c <= '9'):
		return p.skipNumber()
	}
	for _, lit := range []string{"true", "false", "null"} {
		if len(p.b)-p.i >= len(lit) && string(p.b[p.i:p.i+len(lit)]) == lit {
			p.i += len(lit)
			return nil
		}
	}
	return p.fail("want a value")
}

func (p *jsonParser) skipNested() error {
	if p.depth++; p.depth > maxJSONDepth {
		return p.fail("nested too deep")
	}
	defer func() { p.depth-- }()
	if p.b[p.i] == '{' {
		_, err := p.object()
		return err
	}
	p.i++ // '['
	p.space()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return nil
	}
	for {
		p.space()
		if err := p.skipValue(); err != nil {
			return err
		}
		p.space()
		if p.i >= len(p.b) {
			return p.fail("unterminated array")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return nil
		default:
			return p.fail("want ',' or ']'")
		}
	}
}

func (p *jsonParser) skipNumber() error {
	start := p.i
	if p.b[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		n := 0
		for p.i < len(p.b) && '0' <= p.b[p.i] && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if n := digits(); n == 0 || (n > 1 && p.b[p.i-n] == '0') {
		p.i = start
		return p.fail("bad number")
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return p.fail("bad number")
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return p.fail("bad number")
		}
	}
	return nil
}

func (p *jsonParser) skipString() error {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return p.fail("want a string")
	}
	p.i++
	for p.i < len(p.b) {
		switch c := p.b[p.i]; {
		case c == '"':
			p.i++
			return nil
		case c == '\\':
			if p.i+1 >= len(p.b) {
				return p.fail("unterminated string")
			}
			switch p.b[p.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.i += 2
			case 'u':
				if _, ok := hex4(p.b[p.i+2:]); !ok {
					return p.fail("bad \\u escape")
				}
				p.i += 6
			default:
				return p.fail("bad escape")
			}
		case c < 0x20:
			return p.fail("control character in a string")
		default:
			p.i++
		}
	}
	return p.fail("unterminated string")
}

// unquote decodes a JSON string literal, quotes included.
func unquote(q []byte) (string, error) {
	if len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' {
		return "", errors.New("want a string")
	}
	q = q[1 : len(q)-1]
	plain := true
	for _, c := range q {
		if c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		if !utf8.Valid(q) {
			return "", errors.New("string is not UTF-8")
		}
		return string(q), nil
	}
	out := make([]byte, 0, len(q))
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(q) {
			return "", errors.New("bad escape")
		}
		switch q[i] {
		case '"', '\\', '/':
			out = append(out, q[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(q[i+1:])
			if !ok {
				return "", errors.New("bad \\u escape")
			}
			i += 4
			if utf16.IsSurrogate(r) {
				if i+6 < len(q) && q[i+1] == '\\' && q[i+2] == 'u' {
					if r2, ok := hex4(q[i+3:]); ok {
						if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
							r = d
							i += 6
						}
					}
				}
				if utf16.IsSurrogate(r) {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return "", errors.New("bad escape")
		}
	}
	if !utf8.Valid(out) {
		return "", errors.New("string is not UTF-8")
	}
	return string(out), nil
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		d, ok := unhex(c)
		if !ok {
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}

// JSONWriter builds a JSON object, fields in the order they are added.
//
//	sdk.ReturnJSON(sdk.NewJSON().String("name", name).Uint64("decimals", 18))
type JSONWriter struct {
	b []byte
}

// NewJSON starts an object.
func NewJSON() *JSONWriter {
	b := make([]byte, 1, 192)
	b[0] = '{'
	return &JSONWriter{b: b}
}

func (w *JSONWriter) key(name string) {
	if len(w.b) > 1 {
		w.b = append(w.b, ',')
	}
	w.b = appendQuoted(w.b, name)
	w.b = append(w.b, ':')
}

// String adds a string field.
func (w *JSONWriter) String(name, v string) *JSONWriter {
	w.key(name)
	w.b = appendQuoted(w.b, v)
	return w
}

// Uint64 adds a number field.
func (w *JSONWriter) Uint64(name string, v uint64) *JSONWriter {
	w.key(name)
	w.b = append(w.b, utoa(v)...)
	return w
}

// Amount adds an amount, as a decimal string.
func (w *JSONWriter) Amount(name string, a Amount) *JSONWriter {
	return w.String(name, a.String())
}

// Address adds an address, as 0x-hex.
func (w *JSONWriter) Address(name string, a Address) *JSONWriter {
	w.key(name)
	w.b = append(w.b, '"')
	w.b = a.appendHex(w.b)
	w.b = append(w.b, '"')
	return w
}

// Bool adds a boolean field.
func (w *JSONWriter) Bool(name string, v bool) *JSONWriter {
	w.key(name)
	if v {
		w.b = append(w.b, "true"...)
	} else {
		w.b = append(w.b, "false"...)
	}
	return w
}

// Raw adds a field whose value is JSON text the caller vouches for.
func (w *JSONWriter) Raw(name string, json []byte) *JSONWriter {
	w.key(name)
	w.b = append(w.b, json...)
	return w
}

// Object adds a nested object.
func (w *JSONWriter) Object(name string, o *JSONWriter) *JSONWriter { return w.Raw(name, o.Bytes()) }

// Bytes returns the object's JSON text.
func (w *JSONWriter) Bytes() []byte {
	out := make([]byte, len(w.b)+1)
	copy(out, w.b)
	out[len(w.b)] = '}'
	return out
}

func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			b = append(b, c)
			i++
			continue
		}
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\\ufffd"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

func utoa(v uint64) string {
	if v == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	for v > 0 {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return string(buf[i:])
}
