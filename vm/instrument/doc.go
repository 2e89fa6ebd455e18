// Package instrument rewrites a WebAssembly module for metered,
// deterministic execution. (Design notes follow; see Instrument.)
package instrument
