// Package cocoapods is the CocoaPods format plugin: a CDN spec source (CocoaPods-version.yml, MD5-prefix shards, podspec JSON) with pod archives and push.
package cocoapods
