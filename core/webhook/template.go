package webhook

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

// Render returns the body posted for ev in format: the event envelope
// ("json"), a Slack incoming-webhook message ("slack"), or a Teams message
// with an Adaptive Card ("teams").
func Render(format string, ev ports.WebhookEvent) ([]byte, error) {
	switch format {
	case ports.WebhookJSON, "":
		return json.Marshal(ev)
	case ports.WebhookSlack:
		return renderSlack(ev)
	case ports.WebhookTeams:
		return renderTeams(ev)
	}
	return nil, fmt.Errorf("webhook: unknown format %q", format)
}

// fact is one labelled line of a chat message.
type fact struct{ Name, Value string }

// maxFactValue bounds one fact's text in chat messages.
const maxFactValue = 300

// summary is the one-line description of ev and its facts: the repository,
// the actor, and the scalar members of Data (lists are counted, and the
// paths of files named).
func summary(ev ports.WebhookEvent) (string, []fact) {
	title := "Keeper: " + ev.Type
	if ev.Repository != "" {
		title += " in " + ev.Repository
	}
	var facts []fact
	if ev.Repository != "" {
		facts = append(facts, fact{"repository", ev.Repository})
	}
	if ev.Actor != "" {
		facts = append(facts, fact{"by", ev.Actor})
	}
	var data map[string]any
	_ = json.Unmarshal(ev.Data, &data)
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		var v string
		switch x := data[k].(type) {
		case string:
			v = x
		case float64, bool:
			v = fmt.Sprint(x)
		case []any:
			v = listText(x)
		default:
			continue
		}
		if len(v) > maxFactValue {
			v = v[:maxFactValue] + "…"
		}
		if v != "" {
			facts = append(facts, fact{k, v})
		}
	}
	return title, facts
}

// listText names the items of a list: strings as they are, objects by their
// "path" or "name" member.
func listText(items []any) string {
	var names []string
	for _, it := range items {
		switch x := it.(type) {
		case string:
			names = append(names, x)
		case map[string]any:
			for _, k := range []string{"path", "name"} {
				if s, ok := x[k].(string); ok {
					names = append(names, s)
					break
				}
			}
		}
	}
	return strings.Join(names, ", ")
}

// slackEscape escapes the three characters Slack's mrkdwn reserves
// (https://api.slack.com/reference/surfaces/formatting#escaping).
var slackEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// renderSlack builds an incoming-webhook message: "text" (the fallback
// shown in notifications) and a section block with the facts as fields
// (https://api.slack.com/messaging/webhooks,
// https://api.slack.com/reference/block-kit/blocks#section).
func renderSlack(ev ports.WebhookEvent) ([]byte, error) {
	title, facts := summary(ev)
	type text struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	type block struct {
		Type   string `json:"type"`
		Text   *text  `json:"text,omitempty"`
		Fields []text `json:"fields,omitempty"`
	}
	blocks := []block{{Type: "section", Text: &text{"mrkdwn", "*" + slackEscape.Replace(title) + "*"}}}
	var fields []text
	for _, f := range facts {
		fields = append(fields, text{"mrkdwn", "*" + slackEscape.Replace(f.Name) + "*\n" + slackEscape.Replace(f.Value)})
	}
	// A section holds at most 10 fields.
	for len(fields) > 0 {
		n := min(len(fields), 10)
		blocks = append(blocks, block{Type: "section", Fields: fields[:n]})
		fields = fields[n:]
	}
	return json.Marshal(map[string]any{"text": slackEscape.Replace(title), "blocks": blocks})
}

// renderTeams builds a message with one Adaptive Card, the shape Teams
// incoming webhooks and Workflows accept
// (https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using#send-adaptive-cards-using-an-incoming-webhook):
// a title TextBlock and a FactSet (https://adaptivecards.io/explorer/FactSet.html).
func renderTeams(ev ports.WebhookEvent) ([]byte, error) {
	title, facts := summary(ev)
	type tf struct {
		Title string `json:"title"`
		Value string `json:"value"`
	}
	set := make([]tf, 0, len(facts))
	for _, f := range facts {
		set = append(set, tf{f.Name, f.Value})
	}
	card := map[string]any{
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"type":    "AdaptiveCard",
		"version": "1.4",
		"body": []any{
			map[string]any{"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": true},
			map[string]any{"type": "FactSet", "facts": set},
		},
	}
	return json.Marshal(map[string]any{"type": "message", "attachments": []any{
		map[string]any{"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": nil, "content": card},
	}})
}
