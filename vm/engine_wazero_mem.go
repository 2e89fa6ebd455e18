package vm

// copyBack puts s.Memory into mem, of the same size.
func copyBack(mem []byte, s *Snapshot) {
	copy(mem, s.Memory)
}
