// Package chef serves Chef Supermarket cookbook repositories to knife and Berkshelf.
package chef
