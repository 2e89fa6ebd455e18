package vm

import "sync"

// stopper stops an execution when its context is done: it sets the limit
// global of every running instance to 0, so the innermost traps within
// microseconds and the others at their next gas check (every loop head, call and exit). The VM never
// reads the clock; the deadline is the caller's context.
type stopper struct {
	mu      sync.Mutex
	done    bool
	running []Instance // the instances of the frames being run
}

// stop is called by context.AfterFunc, on another goroutine.
func (s *stopper) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done = true
	for _, inst := range s.running {
		inst.StopMeter()
	}
}

// enter registers inst as running; it reports false if the execution is
// already stopped, and then inst must not be run.
func (s *stopper) enter(inst Instance) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return false
	}
	s.running = append(s.running, inst)
	return true
}

// leave unregisters the innermost running instance.
func (s *stopper) leave() {
	s.mu.Lock()
	s.running = s.running[:len(s.running)-1]
	s.mu.Unlock()
}

func (s *stopper) stopped() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.done
}
