package wasm

// DefaultMaxMemoryPages is the default of Limits.MaxMemoryPages: 256 pages
// of 64 KiB, 16 MiB. A Go-built contract starts with about 2-3 MiB.
const DefaultMaxMemoryPages = 256

// Limits bound what a module may declare. They keep the cost of compiling
// and instantiating a module, and the memory it can take, bounded before
// any engine sees it. The zero value of a field means its default; the
// defaults fit a contract built by the standard Go toolchain (about 2 MB,
// ~2,100 functions, ~36,000 data segments, table of ~6,200 entries,
// largest body ~30 KB, at most 20 locals) with room to spare.
type Limits struct {
	// MaxModuleSize bounds the encoded module, in bytes. Default 4 MiB.
	MaxModuleSize int
	// MaxTypes bounds the type section. Default 1024.
	MaxTypes int
	// MaxFunctions bounds functions, imported and defined. Default 16384.
	MaxFunctions int
	// MaxParams bounds the params of a function type. Default 128.
	MaxParams int
	// MaxResults bounds the results of a function type (multi-value).
	// Default 16.
	MaxResults int
	// MaxLocals bounds the locals a function declares, params excluded,
	// counted after expansion of the (count, type) pairs: the classic
	// compile bomb declares 2^32-1 locals in six bytes. Default 4096.
	MaxLocals int
	// MaxBodySize bounds a function body, in bytes. Default 256 KiB.
	MaxBodySize int
	// MaxGlobals bounds defined globals. Default 1024.
	MaxGlobals int
	// MaxExports bounds exports. Default 1024.
	MaxExports int
	// MaxImports bounds imports. Default 256.
	MaxImports int
	// MaxTables bounds tables. The parser already refuses more than one
	// (that needs reference types). Default 1.
	MaxTables int
	// MaxTableSize bounds a table's initial and declared maximum size and
	// the length of an element segment. Default 65536.
	MaxTableSize uint32
	// MaxElementSegments bounds element segments. Default 1024.
	MaxElementSegments int
	// MaxDataSegments bounds data segments. Default 65536 (the Go linker
	// emits one per run of non-zero bytes: ~36,000 for 3 MB of code).
	MaxDataSegments int
	// MaxDataBytes bounds the bytes of all data segments. Default 4 MiB.
	MaxDataBytes int
	// MaxMemoryPages bounds a memory's initial size and declared maximum,
	// in 64 KiB pages. Default DefaultMaxMemoryPages (16 MiB). A memory
	// with no declared maximum is given this one by the instrumenter, as
	// the engine enforces no limit of its own.
	MaxMemoryPages uint32
	// MaxNesting bounds the depth of nested blocks, loops and ifs in a
	// function body. Default 1024.
	MaxNesting int
}

// DefaultLimits returns the limits with every default filled in.
func DefaultLimits() Limits {
	var l Limits
	l.EnsureDefaults()
	return l
}

// EnsureDefaults sets each zero field to its default.
func (l *Limits) EnsureDefaults() {
	setDefault(&l.MaxModuleSize, 4<<20)
	setDefault(&l.MaxTypes, 1024)
	setDefault(&l.MaxFunctions, 16384)
	setDefault(&l.MaxParams, 128)
	setDefault(&l.MaxResults, 16)
	setDefault(&l.MaxLocals, 4096)
	setDefault(&l.MaxBodySize, 256<<10)
	setDefault(&l.MaxGlobals, 1024)
	setDefault(&l.MaxExports, 1024)
	setDefault(&l.MaxImports, 256)
	setDefault(&l.MaxTables, 1)
	setDefault(&l.MaxTableSize, 65536)
	setDefault(&l.MaxElementSegments, 1024)
	setDefault(&l.MaxDataSegments, 65536)
	setDefault(&l.MaxDataBytes, 4<<20)
	setDefault(&l.MaxMemoryPages, DefaultMaxMemoryPages)
	setDefault(&l.MaxNesting, 1024)
}

func setDefault[T int | uint32](p *T, v T) {
	if *p == 0 {
		*p = v
	}
}
