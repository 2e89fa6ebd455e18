package vm

import (
	"unicode/utf8"

	"github.com/noded/noded/types"
)

// hostEmitEvent appends an event to the call's receipt. Events of a
// failed call are dropped with its state changes.
func hostEmitEvent(c *hostCall, a []uint64) (uint64, *ExecError) {
	s := &c.ex.v.opts.Schedule
	tlen, err := c.length("topic", a[1])
	if err != nil {
		return 0, err
	}
	dlen, err := c.length("data", a[3])
	if err != nil {
		return 0, err
	}
	if err := c.charge(s.Event, satAdd(s.EventPerByte, c.bytePrice()), tlen+dlen); err != nil {
		return 0, err
	}
	switch {
	case tlen > types.MaxEventTopicLen:
		return 0, hostError(c.name, "topic of %d bytes exceeds %d", tlen, types.MaxEventTopicLen)
	case dlen > types.MaxEventDataLen:
		return 0, hostError(c.name, "data of %d bytes exceeds %d", dlen, types.MaxEventDataLen)
	case len(c.ex.events) >= types.MaxEvents:
		return 0, hostError(c.name, "more than %d events", types.MaxEvents)
	}
	topic, err := c.region("topic", a[0], tlen)
	if err != nil {
		return 0, err
	}
	if !utf8.Valid(topic) {
		return 0, hostError(c.name, "topic is not valid UTF-8")
	}
	data, err := c.read("data", a[2], dlen)
	if err != nil {
		return 0, err
	}
	c.ex.events = append(c.ex.events, types.Event{Address: c.f.self, Topic: string(topic), Data: data})
	return 0, nil
}
