package chain

import (
	"fmt"
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/noded/noded/crypto"
	"github.com/noded/noded/types"
)

// simNet drives several nodes' Consensus with a fake network and a manual
// clock, executing blocks on in-memory state, as node does with its store.
type simNet struct {
	t     *testing.T
	gen   *Genesis
	nodes []*simNode
	now   uint64
	group map[int]int // partition group of each node; same group = connected
	users []crypto.PrivateKey
}

type simNode struct {
	net    *simNet
	idx    int
	id     string
	key    crypto.PrivateKey
	exec   *Executor
	c      *Consensus
	blocks map[types.Hash]*types.Block // every block this node has stored
	states map[types.Hash]*simState    // state after each stored block
	canon  []types.Hash                // canonical chain by height
	pool   map[types.Hash]*types.Tx
	down   bool
}

type simState struct {
	st   *MemState
	root *Root
}

func newSimNet(t *testing.T, n int, slotMs uint64) *simNet {
	s := &simNet{t: t, group: map[int]int{}, now: 1_000_000}
	keys := make([]crypto.PrivateKey, n)
	g := &Genesis{ChainID: "sim", Time: s.now, BlockGasLimit: DefaultBlockGasLimit, SlotMillis: slotMs}
	for i := range keys {
		keys[i] = key(t, 700+i)
		g.Validators = append(g.Validators, keys[i].Public())
	}
	for i := range 4 {
		u := key(t, 800+i)
		s.users = append(s.users, u)
		g.Accounts = append(g.Accounts, GenesisAccount{Address: types.AddressOf(u.Public()), Balance: types.NewAmount(1_000_000)})
	}
	s.gen = g
	blk, res, err := g.Block()
	if err != nil {
		t.Fatal(err)
	}
	for i := range keys {
		exec, err := NewExecutor(g.Config(), ExecOptions{Rand: rand.New(rand.NewSource(int64(i)))})
		if err != nil {
			t.Fatal(err)
		}
		st := NewMemState()
		st.Apply(res.Changes)
		root := NewRoot()
		root.Apply(res.Buckets)
		nd := &simNode{net: s, idx: i, id: fmt.Sprintf("n%d", i), key: keys[i], exec: exec,
			blocks: map[types.Hash]*types.Block{blk.Hash(): blk},
			states: map[types.Hash]*simState{blk.Hash(): {st, root}},
			canon:  []types.Hash{blk.Hash()}, pool: map[types.Hash]*types.Tx{}}
		nd.restart()
		s.nodes = append(s.nodes, nd)
	}
	return s
}

// restart builds the node's Consensus from its stored chain, as a node
// does at start-up.
func (nd *simNode) restart() {
	cfg := nd.exec.Config()
	var hdrs []types.Header
	for _, h := range nd.canon[1:] {
		hdrs = append(hdrs, nd.blocks[h].Header)
	}
	c, err := NewConsensus(cfg, nd.key.Public(), nd.blocks[nd.canon[0]].Header, hdrs)
	if err != nil {
		nd.net.t.Fatal(err)
	}
	nd.c = c
}

func (s *simNet) connected(a, b int) bool {
	return a != b && !s.nodes[a].down && !s.nodes[b].down && s.group[a] == s.group[b]
}

func (nd *simNode) head() types.Hash { return nd.canon[len(nd.canon)-1] }

// pump processes every node's Ready until the network is quiet.
func (s *simNet) pump() {
	for round := 0; ; round++ {
		if round > 10_000 {
			s.t.Fatal("network does not settle")
		}
		busy := false
		for _, nd := range s.nodes {
			if nd.down || !nd.c.HasReady() {
				continue
			}
			busy = true
			nd.handle(nd.c.Ready())
		}
		if !busy {
			return
		}
	}
}

func (nd *simNode) step(msg any) {
	_ = nd.c.Step(msg) // invalid blocks are reported through Ready
}

func (nd *simNode) handle(rd Ready) {
	s := nd.net
	if rd.Propose != nil {
		nd.propose(rd.Propose)
	}
	for _, h := range rd.Revert {
		if nd.head() != h {
			s.t.Fatalf("%s: revert %s but head is %s", nd.id, h, nd.head())
		}
		for _, tx := range nd.blocks[h].Txs {
			nd.pool[tx.Hash()] = tx // back to the mempool
		}
		nd.canon = nd.canon[:len(nd.canon)-1]
		nd.step(RevertedMsg{Hash: h})
	}
	for _, it := range rd.Apply {
		blk := it.Block
		if blk == nil {
			blk = nd.blocks[it.Hash]
		}
		parent := nd.blocks[blk.Header.Parent]
		ps := nd.states[blk.Header.Parent]
		res, err := nd.exec.ValidateBlock(&parent.Header, ps.st, ps.root, blk, s.now)
		if err != nil {
			nd.step(FailedMsg{Hash: it.Hash, Err: err, From: it.From})
			break
		}
		nd.store(blk, ps, res)
		nd.step(AppliedMsg{Hash: it.Hash})
	}
	for _, blk := range rd.Publish {
		for _, peer := range s.nodes {
			if s.connected(nd.idx, peer.idx) {
				peer.step(BlockMsg{From: nd.id, Block: blk})
			}
		}
	}
	for _, req := range rd.Sync {
		var peer *simNode
		for _, p := range s.nodes {
			if p.id == req.Peer {
				peer = p
			}
		}
		if peer != nil && s.connected(nd.idx, peer.idx) {
			for h := req.From; h <= req.To && h < uint64(len(peer.canon)); h++ {
				nd.step(BlockMsg{From: peer.id, Block: peer.blocks[peer.canon[h]]})
			}
		}
		nd.c.SyncDone(req.Peer)
	}
	if rd.Propose != nil || len(rd.Revert) > 0 || len(rd.Apply) > 0 {
		nd.step(DoneMsg{})
	}
}

func (nd *simNode) store(blk *types.Block, ps *simState, res *BlockResult) {
	st := ps.st.Clone()
	st.Apply(res.Changes)
	root := ps.root.Clone()
	root.Apply(res.Buckets)
	h := blk.Hash()
	nd.blocks[h] = blk
	nd.states[h] = &simState{st, root}
	nd.canon = append(nd.canon, h)
	for _, tx := range blk.Txs {
		delete(nd.pool, tx.Hash())
	}
}

func (nd *simNode) propose(p *Proposal) {
	head := nd.blocks[nd.head()]
	hs := nd.states[nd.head()]
	var txs []*types.Tx
	for _, tx := range nd.pool {
		txs = append(txs, tx)
	}
	slices.SortFunc(txs, func(a, b *types.Tx) int { return int(a.Nonce) - int(b.Nonce) })
	blk, res, _, err := nd.exec.BuildBlock(&head.Header, hs.st, hs.root, BlockSpec{Slot: p.Slot, Time: p.Time, Key: nd.key}, txs)
	if err != nil {
		nd.net.t.Fatal(err)
	}
	nd.store(blk, hs, res)
	nd.step(BuiltMsg{Block: blk})
}

func (s *simNet) tick(ms uint64) {
	s.now += ms
	for _, nd := range s.nodes {
		if !nd.down {
			nd.c.Tick(s.now)
		}
	}
	s.pump()
	// Status exchange, as PING does.
	for _, nd := range s.nodes {
		for _, peer := range s.nodes {
			if s.connected(nd.idx, peer.idx) {
				hdr := peer.blocks[peer.head()].Header
				nd.step(PeerStatusMsg{Peer: peer.id, Head: PeerHead{Height: hdr.Height, Hash: hdr.Hash()}})
			}
		}
	}
	s.pump()
}

func (s *simNet) show() string {
	var b strings.Builder
	heads := map[types.Hash]bool{}
	for _, nd := range s.nodes {
		if nd.down {
			fmt.Fprintf(&b, "%s down\n", nd.id)
			continue
		}
		head := nd.blocks[nd.head()].Header
		h := head.Hash()
		heads[h] = true
		fmt.Fprintf(&b, "%s head=%d slot=%d hash=%x final=%d root=%x\n", nd.id, head.Height, head.Slot, h[:3],
			nd.c.Finalized().Height, head.StateRoot[:3])
		// The consensus view and the stored chain agree.
		if ch := nd.c.Head(); ch.Hash() != h {
			s.t.Fatalf("%s: consensus head %d, stored head %d", nd.id, ch.Height, head.Height)
		}
		// Nothing final was reverted: the finalized block is canonical.
		fin := nd.c.Finalized()
		if nd.canon[fin.Height] != fin.Hash() {
			s.t.Fatalf("%s: finalized block %d is not on the canonical chain", nd.id, fin.Height)
		}
	}
	fmt.Fprintf(&b, "distinct heads: %d\n", len(heads))
	return b.String()
}

func parseNodes(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		i, _ := strconv.Atoi(strings.TrimPrefix(f, "n"))
		out = append(out, i)
	}
	return out
}

// TestConsensusScenarios runs the scripted scenarios of
// testdata/consensus: rewrite expectations with -rewrite.
func TestConsensusScenarios(t *testing.T) {
	datadriven.Walk(t, "testdata/consensus", func(t *testing.T, path string) {
		var s *simNet
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "init":
				var n int
				var slot uint64 = 1000
				d.ScanArgs(t, "nodes", &n)
				if d.HasArg("slot") {
					d.ScanArgs(t, "slot", &slot)
				}
				s = newSimNet(t, n, slot)
				return s.show()
			case "tick":
				var ms uint64 = 1000
				times := 1
				if d.HasArg("ms") {
					d.ScanArgs(t, "ms", &ms)
				}
				if d.HasArg("n") {
					d.ScanArgs(t, "n", &times)
				}
				for range times {
					s.tick(ms)
				}
				return s.show()
			case "partition":
				s.group = map[int]int{}
				for gi, arg := range d.CmdArgs {
					for _, i := range parseNodes(arg.Key) {
						s.group[i] = gi
					}
				}
				return ""
			case "heal":
				s.group = map[int]int{}
				return ""
			case "stop":
				for _, arg := range d.CmdArgs {
					for _, i := range parseNodes(arg.Key) {
						s.nodes[i].down = true
					}
				}
				return ""
			case "start":
				for _, arg := range d.CmdArgs {
					for _, i := range parseNodes(arg.Key) {
						s.nodes[i].down = false
						s.nodes[i].restart()
					}
				}
				return ""
			case "tx":
				// tx user=0 nonce=0 at=n2: a transfer gossiped from node n2.
				var user, nonce int
				var at string
				d.ScanArgs(t, "user", &user)
				d.ScanArgs(t, "nonce", &nonce)
				d.ScanArgs(t, "at", &at)
				tx := &types.Tx{ChainID: "sim", Nonce: uint64(nonce), Kind: types.TxTransfer,
					To: types.Address{9}, Amount: types.NewAmount(1), GasLimit: TxBaseGas, GasPrice: 1}
				tx.Sign(s.users[user])
				src := parseNodes(at)[0]
				for _, nd := range s.nodes {
					if nd.idx == src || s.connected(src, nd.idx) {
						nd.pool[tx.Hash()] = tx
					}
				}
				return ""
			case "balance":
				// The recipient's balance on every node.
				var b strings.Builder
				for _, nd := range s.nodes {
					if nd.down {
						continue
					}
					acc, _ := nd.states[nd.head()].st.Account(types.Address{9})
					fmt.Fprintf(&b, "%s %s pool=%d\n", nd.id, acc.Balance.Dec(), len(nd.pool))
				}
				return b.String()
			}
			t.Fatalf("unknown command %q", d.Cmd)
			return ""
		})
	})
}
