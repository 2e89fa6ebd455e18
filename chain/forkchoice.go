package chain

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

// Errors of the fork choice.
var (
	// ErrUnknownParent: the block's parent is not known; sync it first.
	ErrUnknownParent = errors.New("unknown parent block")
	// ErrBelowFinalized: the block is at or below the finalized height
	// and not the finalized block's descendant; it can never be canonical.
	ErrBelowFinalized = errors.New("block conflicts with the finalized chain")
)

// ForkChoice tracks the tree of known blocks above the finalized block and
// decides which chain is canonical: the one with most blocks, then the
// lower head hash, among those that contain the finalized block and no
// block known to be invalid. A block is final once FinalityThreshold
// distinct validators have built on it; nothing final is ever reverted.
//
// It holds headers only, does no I/O and reads no clock: the node feeds it
// headers, asks for the best tip and the path to it, executes that path
// (reverting and applying blocks in its store), and reports the result
// with SetHead or MarkInvalid. It is not safe for concurrent use.
type ForkChoice struct {
	cfg       *Config
	nodes     map[types.Hash]*fcNode
	finalized *fcNode
	head      *fcNode
}

type fcNode struct {
	hdr      types.Header
	hash     types.Hash
	parent   *fcNode
	children []*fcNode
	invalid  bool
}

// FinalityThreshold is the number of distinct validators that must build
// on a block for it to be final: floor(2n/3)+1 of n.
func (c *Config) FinalityThreshold() int { return 2*len(c.Validators)/3 + 1 }

// NewForkChoice starts from the finalized block and the canonical blocks
// above it, in height order (the node's store has them).
func NewForkChoice(cfg *Config, finalized types.Header, canonical []types.Header) (*ForkChoice, error) {
	root := &fcNode{hdr: finalized, hash: finalized.Hash()}
	f := &ForkChoice{cfg: cfg, nodes: map[types.Hash]*fcNode{root.hash: root}, finalized: root, head: root}
	for _, h := range canonical {
		parent, ok := f.nodes[h.Parent]
		if !ok || parent != f.head {
			return nil, fmt.Errorf("fork choice: canonical header %d does not extend %d", h.Height, f.head.hdr.Height)
		}
		f.head = f.link(parent, h)
	}
	f.updateFinality()
	return f, nil
}

func (f *ForkChoice) link(parent *fcNode, h types.Header) *fcNode {
	n := &fcNode{hdr: h, hash: h.Hash(), parent: parent, invalid: parent.invalid}
	parent.children = append(parent.children, n)
	f.nodes[n.hash] = n
	return n
}

// Head returns the canonical head.
func (f *ForkChoice) Head() types.Header { return f.head.hdr }

// Finalized returns the highest final block.
func (f *ForkChoice) Finalized() types.Header { return f.finalized.hdr }

// Has reports whether the block is known (and not pruned).
func (f *ForkChoice) Has(hash types.Hash) bool { _, ok := f.nodes[hash]; return ok }

// Header returns a known header.
func (f *ForkChoice) Header(hash types.Hash) (types.Header, bool) {
	n, ok := f.nodes[hash]
	if !ok {
		return types.Header{}, false
	}
	return n.hdr, true
}

// Len returns the number of blocks tracked.
func (f *ForkChoice) Len() int { return len(f.nodes) }

// AddHeader adds a block header after the checks that need no state
// (CheckHeader against its parent). It returns ErrUnknownParent if the
// parent is not known, and ErrBelowFinalized for a block that cannot join
// the finalized chain. Adding a known header is a no-op.
func (f *ForkChoice) AddHeader(h types.Header, nowMillis uint64) error {
	hash := h.Hash()
	if _, ok := f.nodes[hash]; ok {
		return nil
	}
	if h.Height <= f.finalized.hdr.Height {
		return fmt.Errorf("%w: height %d, finalized %d", ErrBelowFinalized, h.Height, f.finalized.hdr.Height)
	}
	parent, ok := f.nodes[h.Parent]
	if !ok {
		return fmt.Errorf("%w: %s at height %d", ErrUnknownParent, h.Parent, h.Height-1)
	}
	if err := f.cfg.CheckHeader(&parent.hdr, &h, nowMillis); err != nil {
		return err
	}
	f.link(parent, h)
	return nil
}

// better reports whether tip a is preferred over tip b.
func better(a, b *fcNode) bool {
	if a.hdr.Height != b.hdr.Height {
		return a.hdr.Height > b.hdr.Height
	}
	return bytes.Compare(a.hash[:], b.hash[:]) < 0
}

// Best returns the tip the fork choice prefers.
func (f *ForkChoice) Best() types.Header { return f.best().hdr }

func (f *ForkChoice) best() *fcNode {
	best := f.finalized
	stack := []*fcNode{f.finalized}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.invalid {
			continue
		}
		if better(n, best) {
			best = n
		}
		stack = append(stack, n.children...)
	}
	return best
}

// Path returns how to move the head to target: the canonical blocks to
// revert, head first, and the blocks to apply, oldest first.
func (f *ForkChoice) Path(target types.Hash) (revert, apply []types.Hash, err error) {
	t, ok := f.nodes[target]
	if !ok {
		return nil, nil, fmt.Errorf("fork choice: unknown block %s", target)
	}
	onCanonical := make(map[*fcNode]bool)
	for n := f.head; n != nil; n = n.parent {
		onCanonical[n] = true
		if n == f.finalized {
			break
		}
	}
	for n := t; !onCanonical[n]; n = n.parent {
		if n.parent == nil {
			return nil, nil, fmt.Errorf("%w: %s does not descend from the finalized block", ErrBelowFinalized, target)
		}
		apply = append(apply, n.hash)
	}
	ancestor := t
	for !onCanonical[ancestor] {
		ancestor = ancestor.parent
	}
	for n := f.head; n != ancestor; n = n.parent {
		revert = append(revert, n.hash)
	}
	for i, j := 0, len(apply)-1; i < j; i, j = i+1, j-1 {
		apply[i], apply[j] = apply[j], apply[i]
	}
	return revert, apply, nil
}

// SetHead records that the node's state is now at the known block hash,
// which must descend from the finalized block, and advances finality. It
// returns the blocks that became final, oldest first.
func (f *ForkChoice) SetHead(hash types.Hash) ([]types.Header, error) {
	n, ok := f.nodes[hash]
	if !ok {
		return nil, fmt.Errorf("fork choice: unknown head %s", hash)
	}
	for a := n; a != f.finalized; a = a.parent {
		if a == nil {
			return nil, fmt.Errorf("%w: head %s", ErrBelowFinalized, hash)
		}
	}
	f.head = n
	return f.updateFinality(), nil
}

// updateFinality moves the finalized block up to the highest canonical
// block on which FinalityThreshold distinct validators have built, and
// forgets blocks that can no longer become canonical.
func (f *ForkChoice) updateFinality() []types.Header {
	need := f.cfg.FinalityThreshold()
	var final *fcNode
	if len(f.cfg.Validators) == 1 {
		// One validator: nobody else can fork its chain.
		final = f.head
	} else {
		builders := make(map[crypto.PublicKey]struct{})
		for n := f.head; n != f.finalized && n.parent != nil; n = n.parent {
			builders[n.hdr.Proposer] = struct{}{}
			if len(builders) >= need {
				final = n.parent
				break
			}
		}
	}
	if final == nil || final == f.finalized {
		return nil
	}
	var newly []types.Header
	for n := final; n != f.finalized; n = n.parent {
		newly = append(newly, n.hdr)
	}
	for i, j := 0, len(newly)-1; i < j; i, j = i+1, j-1 {
		newly[i], newly[j] = newly[j], newly[i]
	}
	f.finalized = final
	f.prune()
	return newly
}

// prune keeps the finalized block and its descendants only.
func (f *ForkChoice) prune() {
	keep := make(map[types.Hash]*fcNode, len(f.nodes))
	stack := []*fcNode{f.finalized}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		keep[n.hash] = n
		stack = append(stack, n.children...)
	}
	f.finalized.parent = nil
	f.nodes = keep
}

// MarkInvalid records that a block failed execution: it and its
// descendants can never be canonical.
func (f *ForkChoice) MarkInvalid(hash types.Hash) {
	n, ok := f.nodes[hash]
	if !ok {
		return
	}
	stack := []*fcNode{n}
	for len(stack) > 0 {
		m := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		m.invalid = true
		stack = append(stack, m.children...)
	}
}
