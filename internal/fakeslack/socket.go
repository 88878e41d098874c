package fakeslack

// Socket Mode, as Slack documents it (docs.slack.dev/apis/events-api/
// using-socket-mode, api.slack.com/methods/apps.connections.open):
//
//   - apps.connections.open takes an app-level token (xapp-…) in the
//     Authorization header, never as a form field, and answers
//     {"ok": true, "url": "wss://…/link/?ticket=…&app_id=…"}: a URL for one
//     connection. Here the URL is ws:// on the fake, and the ticket works
//     once.
//   - On connecting, the app gets {"type": "hello", "num_connections": …,
//     "connection_info": {"app_id": …}, "debug_info": {…}}, and WebSocket
//     pings from then on (Slack's clients take a silent connection for a
//     dead one).
//   - Each delivery is an envelope, {"envelope_id": …, "type":
//     "interactive" | "slash_commands" | "events_api" | …, "payload": {…},
//     "accepts_response_payload": …}, whose payload is what the HTTP
//     request would have carried, as JSON: a block_actions object for a
//     press, the form's fields (strings, is_enterprise_install too) for a
//     slash command. The app acknowledges each within 3 seconds with
//     {"envelope_id": …} and, where accepts_response_payload, a "payload":
//     for a slash command, the message Slack shows, as an HTTP answer's
//     body would be.
//   - Slack asks the app to reconnect with {"type": "disconnect",
//     "reason": "warning" | "refresh_requested" | "link_disabled",
//     "debug_info": {"host": …}}.
//
// A test turns Socket Mode on with EnableSocketMode, waits for the app to
// connect (WaitSocketConnections), pushes envelopes (PushInteraction,
// PushSlashCommand, PushEnvelope) and reads their acknowledgements from the
// channel each push returns, or all of them from Acks.

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// SocketAppID is the app whose Socket Mode connections the fake serves:
// the app_id of the connection URLs and of the hello message.
const SocketAppID = "A0BATONAPP"

// SocketAckWithin is how long Slack waits for an envelope's acknowledgement
// before it shows the user an error (interactions, commands) or delivers
// the envelope again (Events API).
const SocketAckWithin = 3 * time.Second

// socketPingEvery is how often the fake pings each connection. Slack does
// not say how often it pings; slack-go takes 30 s without a ping for a dead
// connection, so the fake pings well within that.
const socketPingEvery = 5 * time.Second

const (
	socketOpenMethod = "apps.connections.open"
	socketPath       = "/link/"
)

// Ack is an acknowledgement the app sent over a Socket Mode connection.
type Ack struct {
	EnvelopeID string
	// Payload is the ack's payload, as sent; nil when it had none.
	Payload json.RawMessage
	// After is how long after its envelope was sent the ack arrived; zero
	// for an ack of an envelope the fake never sent (or acknowledged
	// already).
	After time.Duration
}

// socketState is the fake's Socket Mode: off until EnableSocketMode.
type socketState struct {
	appToken string
	tickets  map[string]bool    // handed out by apps.connections.open, not yet used
	conns    []*socketConn      // open and greeted, oldest first
	opened   int                // connections greeted since the start
	waiting  map[string]pending // envelope ID -> its delivery, until acknowledged
	acks     []Ack
}

type pending struct {
	sent time.Time
	ack  chan Ack
}

// socketConn is one app connection. Writes are serialized by mu, as
// gorilla/websocket needs; pings (WriteControl) may go alongside.
type socketConn struct {
	ws     *websocket.Conn
	host   string
	mu     sync.Mutex
	closed chan struct{}
}

func (c *socketConn) send(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

// EnableSocketMode turns Socket Mode on for the app whose app-level token
// is appToken: apps.connections.open accepts that token alone.
func (s *Server) EnableSocketMode(appToken string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.socket.appToken = appToken
	if s.socket.tickets == nil {
		s.socket.tickets = map[string]bool{}
		s.socket.waiting = map[string]pending{}
	}
}

// serveSocketMode serves apps.connections.open and the WebSocket URLs it
// hands out; it reports whether the request was one of those.
func (s *Server) serveSocketMode(w http.ResponseWriter, r *http.Request) bool {
	switch r.URL.Path {
	case "/api/" + socketOpenMethod:
		s.connectionsOpen(w, r)
	case socketPath:
		s.serveSocket(w, r)
	default:
		return false
	}
	return true
}

// connectionsOpen is apps.connections.open. It is recorded, failed and
// taken down as the other methods are (Calls, On, ErrorNext, Break, Down).
func (s *Server) connectionsOpen(w http.ResponseWriter, r *http.Request) {
	params, formErr := callParams(r)

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.takeCall(w, socketOpenMethod, params, "connections:write") {
		return
	}
	if r.Method != http.MethodPost {
		writeJSON(w, http.StatusOK, fields{"ok": false, "error": "insecure_request"})
		return
	}
	if formErr != nil {
		writeJSON(w, http.StatusOK, fields{"ok": false, "error": "invalid_form_data"})
		return
	}
	// The app-level token goes in the header; Slack refuses it as a
	// POST parameter.
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	switch {
	case token == "":
		writeJSON(w, http.StatusOK, fields{"ok": false, "error": "not_authed"})
		return
	case s.socket.appToken != "" && token == s.socket.appToken:
	case strings.HasPrefix(token, "xox"):
		// A bot or user token: valid, but not the kind this method takes.
		writeJSON(w, http.StatusOK, fields{"ok": false, "error": "not_allowed_token_type"})
		return
	default:
		writeJSON(w, http.StatusOK, fields{"ok": false, "error": "invalid_auth"})
		return
	}
	ticket := randomHex(16)
	s.socket.tickets[ticket] = true
	u := strings.Replace(s.srv.URL, "http://", "ws://", 1) + socketPath + "?" +
		url.Values{"ticket": {ticket}, "app_id": {SocketAppID}}.Encode()
	writeJSON(w, http.StatusOK, fields{"ok": true, "url": u})
}

// serveSocket is a connection URL: it takes its ticket once, greets the
// app and reads its acknowledgements until the connection closes.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	ok := s.socket.tickets[ticket]
	delete(s.socket.tickets, ticket)
	s.mu.Unlock()
	if !ok {
		http.Error(w, "invalid or used ticket: call apps.connections.open for a new URL", http.StatusUnauthorized)
		return
	}
	// Slack's clients send Origin: https://api.slack.com, not the fake's.
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered the request
	}
	c := &socketConn{ws: ws, closed: make(chan struct{})}
	defer func() {
		s.mu.Lock()
		s.socket.conns = slices.DeleteFunc(s.socket.conns, func(o *socketConn) bool { return o == c })
		s.mu.Unlock()
		close(c.closed)
		ws.Close()
	}()

	s.mu.Lock()
	c.host = fmt.Sprintf("applink-fake-%d", s.socket.opened+1)
	n := len(s.socket.conns) + 1
	s.mu.Unlock()
	hello := fields{
		"type":            "hello",
		"num_connections": n,
		"debug_info":      fields{"host": c.host, "build_number": 1, "approximate_connection_time": 18060},
		"connection_info": fields{"app_id": SocketAppID},
	}
	if err := c.send(hello); err != nil {
		return
	}
	// Greeted: envelopes may go to it from now on.
	s.mu.Lock()
	s.socket.conns = append(s.socket.conns, c)
	s.socket.opened++
	s.mu.Unlock()

	go func() {
		tick := time.NewTicker(socketPingEvery)
		defer tick.Stop()
		for {
			select {
			case <-c.closed:
				return
			case <-tick.C:
				if ws.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(5*time.Second)) != nil {
					return
				}
			}
		}
	}()

	for {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			return
		}
		s.acknowledged(msg)
	}
}

// acknowledged records a message from the app: an acknowledgement if it
// names an envelope. Slack ignores anything else the app sends.
func (s *Server) acknowledged(msg []byte) {
	var m struct {
		EnvelopeID *string         `json:"envelope_id"`
		Payload    json.RawMessage `json:"payload"`
	}
	if json.Unmarshal(msg, &m) != nil || m.EnvelopeID == nil {
		return
	}
	a := Ack{EnvelopeID: *m.EnvelopeID}
	if len(m.Payload) > 0 && string(m.Payload) != "null" {
		a.Payload = m.Payload
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.socket.waiting[a.EnvelopeID]
	if ok {
		delete(s.socket.waiting, a.EnvelopeID)
		a.After = time.Since(p.sent)
	}
	s.socket.acks = append(s.socket.acks, a)
	if ok {
		p.ack <- a
	}
}

// WaitSocketConnections waits up to timeout until n Socket Mode
// connections have been opened and greeted since the start (open now or
// not), and reports whether they were: n = 2 waits for a reconnection.
func (s *Server) WaitSocketConnections(n int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		s.mu.Lock()
		opened := s.socket.opened
		s.mu.Unlock()
		if opened >= n {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// SocketConnections is how many Socket Mode connections are open now.
func (s *Server) SocketConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.socket.conns)
}

// PushInteraction delivers an interactive envelope carrying payload, an
// interaction payload as JSON (such as a block_actions object), as Slack
// does when someone presses a button. It returns the envelope's ID and a
// channel that gets its acknowledgement; see PushEnvelope.
func (s *Server) PushInteraction(payload []byte) (envelopeID string, ack <-chan Ack) {
	return s.PushEnvelope("interactive", payload, false)
}

// PushSlashCommand delivers a slash_commands envelope, as Slack does when
// someone types a command: its payload is form's fields as a JSON object
// of strings (the first value of each), with what Slack always sends and
// form lacks filled in (team_id, api_app_id, is_enterprise_install as
// "false", trigger_id). The acknowledgement's payload is the message
// Slack shows the user. See PushEnvelope.
func (s *Server) PushSlashCommand(form url.Values) (envelopeID string, ack <-chan Ack) {
	p := map[string]string{
		"team_id":               TeamID,
		"api_app_id":            SocketAppID,
		"is_enterprise_install": "false",
		"trigger_id":            randomHex(8) + "." + randomHex(8),
	}
	for k, v := range form {
		if len(v) > 0 {
			p[k] = v[0]
		}
	}
	b, _ := json.Marshal(p) // strings only: it cannot fail
	return s.PushEnvelope("slash_commands", b, true)
}

// PushEnvelope delivers an envelope of type typ ("interactive",
// "slash_commands", "events_api", or one Slack may add) carrying payload,
// which must be JSON, to the newest open connection, and returns its ID
// and a channel that gets the app's acknowledgement of it, once; a second
// acknowledgement shows in Acks only. If the envelope cannot be written,
// the channel is closed without an Ack. It panics when no connection is
// open (wait for one with WaitSocketConnections) or payload is not JSON:
// mistakes in the test.
func (s *Server) PushEnvelope(typ string, payload []byte, acceptsResponsePayload bool) (envelopeID string, ack <-chan Ack) {
	if !json.Valid(payload) {
		panic("fakeslack: PushEnvelope: the payload is not JSON: " + string(payload))
	}
	id := newEnvelopeID()
	ch := make(chan Ack, 1)
	s.mu.Lock()
	if len(s.socket.conns) == 0 {
		s.mu.Unlock()
		panic("fakeslack: PushEnvelope: no Socket Mode connection is open; WaitSocketConnections first")
	}
	c := s.socket.conns[len(s.socket.conns)-1]
	s.socket.waiting[id] = pending{sent: time.Now(), ack: ch}
	s.mu.Unlock()

	env := fields{
		"envelope_id":              id,
		"type":                     typ,
		"payload":                  json.RawMessage(payload),
		"accepts_response_payload": acceptsResponsePayload,
	}
	if typ == "events_api" {
		env["retry_attempt"], env["retry_reason"] = 0, ""
	}
	if err := c.send(env); err != nil {
		s.mu.Lock()
		if _, ok := s.socket.waiting[id]; ok {
			delete(s.socket.waiting, id)
			close(ch)
		}
		s.mu.Unlock()
	}
	return id, ch
}

// Acks returns every acknowledgement received, in order, those of
// envelopes the fake never sent included.
func (s *Server) Acks() []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.socket.acks)
}

// DisconnectSocket sends every open connection Slack's disconnect message
// with reason: "warning" (Slack closes the connection about 10 seconds
// later; here it stays open), "refresh_requested" (reconnect now) or
// "link_disabled" (Socket Mode was turned off for the app). For every
// reason but "warning" the fake then closes the connection, if the app has
// not within a second, as Slack does.
func (s *Server) DisconnectSocket(reason string) {
	s.mu.Lock()
	conns := slices.Clone(s.socket.conns)
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.send(fields{"type": "disconnect", "reason": reason, "debug_info": fields{"host": c.host}})
		if reason == "warning" {
			continue
		}
		go func() {
			select {
			case <-c.closed:
			case <-time.After(time.Second):
				c.ws.Close()
			}
		}()
	}
}

// closeSockets closes every open connection, when the test ends.
func (s *Server) closeSockets() {
	s.mu.Lock()
	conns := slices.Clone(s.socket.conns)
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.ws.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseGoingAway, "the fake is shutting down"), time.Now().Add(time.Second))
		c.ws.Close()
		<-c.closed
	}
}

// newEnvelopeID is an envelope ID in Slack's form, a UUID.
func newEnvelopeID() string {
	h := randomHex(16)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
