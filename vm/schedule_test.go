package vm

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/noded/noded/vm/instrument"
)

// The default schedule prices instructions as the instrumenter's default
// table does, and survives a JSON round trip (it is served over RPC).
func TestDefaultSchedule(t *testing.T) {
	s := DefaultSchedule()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if got, want := s.costs(), instrument.DefaultCosts(); *got != *want {
		t.Fatal("DefaultSchedule's instruction prices differ from instrument.DefaultCosts")
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back Schedule
	if err := json.Unmarshal(b, &back); err != nil || back != s {
		t.Fatalf("round trip: %v, %+v", err, back)
	}
}

func TestScheduleValidate(t *testing.T) {
	for name, mutate := range map[string]func(*Schedule){
		"version":     func(s *Schedule) { s.Version = 0 },
		"branch free": func(s *Schedule) { s.Instructions.Default = 0 },
		"call free":   func(s *Schedule) { s.Instructions.Call = 0 },
		"host free":   func(s *Schedule) { s.HostCallBase = 0 },
		"stack":       func(s *Schedule) { s.Instructions.MaxStackWeight = 0 },
	} {
		s := DefaultSchedule()
		mutate(&s)
		if err := s.Validate(); !errors.Is(err, ErrBadSchedule) {
			t.Errorf("%s: Validate = %v", name, err)
		}
	}
}
