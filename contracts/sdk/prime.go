package sdk

// primeAllocator allocates one object of each small size class, with and
// without pointers, during package initialisation: Go's allocator then
// holds a span of each class in the snapshot every call starts from, and
// a call's first allocations do not each fetch a span (thousands of
// instructions, so gas, per size class). The objects become garbage.
func primeAllocator() {
	for _, n := range []int{8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256,
		288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536, 1792, 2048} {
		primeSink = make([]byte, n)
		primePtrSink = make([]*byte, n/8)
	}
	primeSink, primePtrSink = nil, nil
}

var (
	primeSink    []byte
	primePtrSink []*byte
)

func init() { primeAllocator() }
