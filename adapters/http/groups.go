package http

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/ports"
)

type groupJSON struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Members     []int64   `json:"members,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

func toGroupJSON(g ports.Group) groupJSON {
	return groupJSON{ID: g.ID, Name: g.Name, Description: g.Description, CreatedAt: g.CreatedAt}
}

func (s *Server) listGroups(c *gin.Context) {
	if !needs(c, s.d.Groups != nil, "group store") {
		return
	}
	p := pageOf(c)
	gs, total, err := s.d.Groups.ListGroups(c.Request.Context(), p)
	if err != nil {
		WriteError(c, err)
		return
	}
	items := make([]groupJSON, len(gs))
	for i, g := range gs {
		items[i] = toGroupJSON(g)
	}
	c.JSON(http.StatusOK, listResponse[groupJSON]{Items: items, Total: total, Offset: p.Offset, Limit: p.Limit})
}

func (s *Server) createGroup(c *gin.Context) {
	if !needs(c, s.d.Groups != nil, "group store") {
		return
	}
	var req struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	}
	if !bindJSON(c, &req) {
		return
	}
	if err := validGroupName(req.Name); err != nil {
		WriteError(c, err)
		return
	}
	g := ports.Group{Name: req.Name, Description: req.Description}
	if err := s.d.Groups.CreateGroup(c.Request.Context(), &g); err != nil {
		WriteError(c, err)
		return
	}
	recorder(c).By(c.Request.Context(), subject(c), "group.create", g.Name, audit.Success, "")
	c.JSON(http.StatusCreated, toGroupJSON(g))
}

func validGroupName(n string) error {
	if n == "" || len(n) > 100 {
		return ports.Invalidf("name", "must be 1 to 100 characters")
	}
	for _, r := range n {
		if !(r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return ports.Invalidf("name", "%q may only hold letters, digits, '-', '_' and '.'", n)
		}
	}
	return nil
}

func (s *Server) getGroup(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok || !needs(c, s.d.Groups != nil, "group store") {
		return
	}
	s.writeGroup(c, id, http.StatusOK)
}

func (s *Server) writeGroup(c *gin.Context, id int64, status int) {
	g, err := s.d.Groups.GetGroup(c.Request.Context(), id)
	if err != nil {
		WriteError(c, err)
		return
	}
	j := toGroupJSON(g)
	if j.Members, err = s.d.Groups.GroupMembers(c.Request.Context(), id); err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(status, j)
}

func (s *Server) deleteGroup(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok || !needs(c, s.d.Groups != nil, "group store") {
		return
	}
	if err := s.d.Groups.DeleteGroup(c.Request.Context(), id); err != nil {
		WriteError(c, err)
		return
	}
	s.d.Auth.CredentialsChanged(c.Request.Context(), "group deleted")
	recorder(c).By(c.Request.Context(), subject(c), "group.delete", c.Param("id"), audit.Success, "")
	c.Status(http.StatusNoContent)
}

func (s *Server) setGroupMembers(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok || !needs(c, s.d.Groups != nil, "group store") {
		return
	}
	var req struct {
		Members []int64 `json:"members"`
	}
	if !bindJSON(c, &req) {
		return
	}
	if err := s.d.Groups.SetGroupMembers(c.Request.Context(), id, req.Members); err != nil {
		WriteError(c, err)
		return
	}
	s.d.Auth.CredentialsChanged(c.Request.Context(), "group members changed")
	recorder(c).By(c.Request.Context(), subject(c), "group.members", c.Param("id"), audit.Success, "")
	s.writeGroup(c, id, http.StatusOK)
}
