package chain

import (
	"errors"
	"testing"

	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

// fcNet is a set of validators and a fork choice over their headers.
type fcNet struct {
	t    *testing.T
	cfg  *Config
	keys map[crypto.PublicKey]crypto.PrivateKey
	gen  types.Header
	f    *ForkChoice
}

const slotMs = 1000

func newFCNet(t *testing.T, validators int) *fcNet {
	n := &fcNet{t: t, keys: map[crypto.PublicKey]crypto.PrivateKey{}}
	cfg := &Config{ChainID: "fc", BlockGasLimit: DefaultBlockGasLimit, SlotMillis: slotMs}
	for i := range validators {
		k := key(t, 500+i)
		n.keys[k.Public()] = k
		cfg.Validators = append(cfg.Validators, k.Public())
	}
	n.cfg = cfg
	n.gen = types.Header{Height: 0, Time: 0, GasLimit: DefaultBlockGasLimit}
	f, err := NewForkChoice(cfg, n.gen, nil)
	if err != nil {
		t.Fatal(err)
	}
	n.f = f
	return n
}

// block makes a signed header on parent in slot, by the slot's proposer,
// with a salt so that two blocks of one slot differ.
func (n *fcNet) block(parent types.Header, slot uint64, salt byte) types.Header {
	h := types.Header{Height: parent.Height + 1, Parent: parent.Hash(), Slot: slot, Time: slot * slotMs,
		GasLimit: DefaultBlockGasLimit}
	h.StateRoot[0] = salt
	h.Sign(n.keys[n.cfg.Proposer(slot)])
	return h
}

func (n *fcNet) add(h types.Header) {
	n.t.Helper()
	if err := n.f.AddHeader(h, h.Time); err != nil {
		n.t.Fatalf("add height %d slot %d: %v", h.Height, h.Slot, err)
	}
}

// chain adds blocks on parent for each slot and returns the last.
func (n *fcNet) chain(parent types.Header, salt byte, slots ...uint64) types.Header {
	for _, s := range slots {
		parent = n.block(parent, s, salt)
		n.add(parent)
	}
	return parent
}

// follow moves the head to the best tip as a node would and returns the
// path it took.
func (n *fcNet) follow() (revert, apply []types.Hash) {
	n.t.Helper()
	best := bestHash(n.f)
	revert, apply, err := n.f.Path(best)
	if err != nil {
		n.t.Fatal(err)
	}
	if _, err := n.f.SetHead(best); err != nil {
		n.t.Fatal(err)
	}
	return revert, apply
}

func TestFinalityAfterTwoThirdsBuildOn(t *testing.T) {
	n := newFCNet(t, 4) // threshold 3
	if got := n.cfg.FinalityThreshold(); got != 3 {
		t.Fatalf("threshold %d", got)
	}
	head := n.gen
	for slot := uint64(1); slot <= 10; slot++ {
		head = n.chain(head, 0, slot)
		n.follow()
		want := uint64(0)
		if slot > 3 {
			want = slot - 3
		}
		if got := n.f.Finalized().Height; got != want {
			t.Fatalf("after slot %d: finalized %d, want %d", slot, got, want)
		}
	}
}

func TestMissedSlotsDoNotFinalizeWithTooFewBuilders(t *testing.T) {
	n := newFCNet(t, 4)
	// Only validators of slots 1 and 2 (mod 4) produce: two distinct
	// builders never finalize anything.
	head := n.gen
	for _, s := range []uint64{1, 2, 5, 6, 9, 10, 13, 14} {
		head = n.chain(head, 0, s)
		n.follow()
	}
	if got := n.f.Finalized().Height; got != 0 {
		t.Fatalf("finalized %d with two builders", got)
	}
	if n.f.Head().Height != 8 {
		t.Fatalf("head %d", n.f.Head().Height)
	}
}

func TestForkChoiceLongestThenLowestHash(t *testing.T) {
	n := newFCNet(t, 4)
	base := n.chain(n.gen, 0, 1)
	n.follow()
	a := n.chain(base, 'a', 2, 3)
	b := n.chain(base, 'b', 4)
	if bestHash(n.f) != a.Hash() {
		t.Fatal("longer fork not preferred")
	}
	n.follow()
	b = n.chain(b, 'b', 5) // now equal height: lower hash wins
	want := a
	if bh, ah := b.Hash(), a.Hash(); string(bh[:]) < string(ah[:]) {
		want = b
	}
	if got := n.f.Best(); got.Hash() != want.Hash() {
		t.Fatal("tie not broken by the lower hash")
	}
	b = n.chain(b, 'b', 6)
	revert, apply := n.follow()
	if len(revert) != 2 || revert[0] != a.Hash() || len(apply) != 3 || apply[2] != b.Hash() {
		t.Fatalf("reorg path revert %d apply %d", len(revert), len(apply))
	}
	if headHash(n.f) != b.Hash() {
		t.Fatal("head did not move")
	}
}

func TestPartitionHealsWithoutRevertingFinal(t *testing.T) {
	n := newFCNet(t, 4)
	// Everyone together for slots 1-6: blocks up to height 3 are final.
	common := n.chain(n.gen, 0, 1, 2, 3, 4, 5, 6)
	n.follow()
	fin := n.f.Finalized()
	if fin.Height != 3 {
		t.Fatalf("finalized %d before the split", fin.Height)
	}
	// Split: validators 0,1 (slots 0,1 mod 4) and 2,3 (slots 2,3 mod 4).
	left := n.chain(common, 'L', 8, 9, 12, 13, 16, 17)
	right := n.chain(common, 'R', 10, 11, 14, 15, 18)
	n.follow()
	if headHash(n.f) != left.Hash() {
		t.Fatal("the longer side should lead")
	}
	// On the left only validators 0 and 1 build after height 6: block 5
	// has builders 2 (block 6), 0 and 1, so it is final; nothing above is.
	if got := n.f.Finalized().Height; got != 5 {
		t.Fatalf("finalized %d during the split, want 5", got)
	}
	fin = n.f.Finalized()
	// Heal: the right side extends and overtakes.
	right = n.chain(right, 'R', 19, 22)
	revert, apply := n.follow()
	if headHash(n.f) != right.Hash() || len(revert) == 0 || len(apply) == 0 {
		t.Fatalf("no reorg to the longer side: revert %d apply %d", len(revert), len(apply))
	}
	for _, h := range revert {
		hdr, _ := n.f.Header(h)
		if hdr.Height <= fin.Height {
			t.Fatalf("reorg reverts final block %d", hdr.Height)
		}
	}
	// A block conflicting with the finalized chain is refused.
	stale := n.block(n.gen, 7, 'x')
	if err := n.f.AddHeader(stale, stale.Time); !errors.Is(err, ErrBelowFinalized) {
		t.Fatalf("block below finality: %v", err)
	}
}

func TestMarkInvalidFallsBack(t *testing.T) {
	n := newFCNet(t, 4)
	base := n.chain(n.gen, 0, 1)
	n.follow()
	bad := n.chain(base, 'a', 2, 3)
	good := n.chain(base, 'b', 4)
	if bestHash(n.f) != bad.Hash() {
		t.Fatal("setup")
	}
	_, apply, _ := n.f.Path(bad.Hash())
	n.f.MarkInvalid(apply[0]) // the first block of the fork fails execution
	if bestHash(n.f) != good.Hash() {
		t.Fatal("invalid fork still preferred")
	}
	// Children of an invalid block are invalid too.
	child := n.block(bad, 5, 'a')
	n.add(child)
	if bestHash(n.f) != good.Hash() {
		t.Fatal("descendant of an invalid block preferred")
	}
}

func TestAddHeaderChecks(t *testing.T) {
	n := newFCNet(t, 4)
	b1 := n.block(n.gen, 1, 0)
	orphan := n.block(b1, 2, 0)
	if err := n.f.AddHeader(orphan, orphan.Time); !errors.Is(err, ErrUnknownParent) {
		t.Fatalf("orphan: %v", err)
	}
	wrong := b1
	wrong.Sign(n.keys[n.cfg.Proposer(2)]) // not slot 1's proposer
	if err := n.f.AddHeader(wrong, wrong.Time); !errors.Is(err, ErrInvalidBlock) {
		t.Fatalf("wrong proposer: %v", err)
	}
	future := n.block(n.gen, 50, 0)
	if err := n.f.AddHeader(future, 1000); !errors.Is(err, ErrFutureBlock) || errors.Is(err, ErrInvalidBlock) {
		t.Fatalf("future block: %v", err)
	}
	n.add(b1)
	n.add(b1) // again: no-op
	if n.f.Len() != 2 {
		t.Fatalf("%d nodes", n.f.Len())
	}
}

func TestPruneForgetsLosingForks(t *testing.T) {
	n := newFCNet(t, 4)
	base := n.chain(n.gen, 0, 1)
	n.follow()
	loser := n.chain(base, 'z', 2)
	n.chain(base, 0, 3, 4, 5, 6, 7)
	n.follow()
	if n.f.Has(loser.Hash()) {
		t.Fatal("a fork below finality is still tracked")
	}
}

func bestHash(f *ForkChoice) types.Hash { h := f.Best(); return h.Hash() }
func headHash(f *ForkChoice) types.Hash { h := f.Head(); return h.Hash() }
