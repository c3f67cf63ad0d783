import BPFObjects
print(EmbeddedBPFObject.all.map { "\($0.name) \($0.sha256) \($0.bytes.count)" })
