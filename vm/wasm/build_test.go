package wasm

// Helpers that build binary modules byte by byte, for the cases WAT
// cannot express or that must be exactly so.

func sec(id byte, payload ...byte) []byte {
	return append(append([]byte{id}, AppendU32(nil, uint32(len(payload)))...), payload...)
}

func module(sections ...[]byte) []byte {
	b := append([]byte(nil), magic...)
	for _, s := range sections {
		b = append(b, s...)
	}
	return b
}

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// typeSec: one type [] -> [].
var typeSec = sec(secType, 1, 0x60, 0, 0)

// funcModule is a module with a memory (exported) and one function
// [] -> [] whose body is body (the final end is added).
func funcModule(body ...byte) []byte {
	entry := cat([]byte{0}, body, []byte{0x0b})
	code := cat([]byte{1}, AppendU32(nil, uint32(len(entry))), entry)
	return module(
		typeSec,
		sec(secFunction, 1, 0),
		sec(secMemory, 1, 0, 1),
		sec(secExport, cat([]byte{1, 6}, []byte("memory"), []byte{2, 0})...),
		sec(secCode, code...),
	)
}
