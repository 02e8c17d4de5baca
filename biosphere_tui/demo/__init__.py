"""The embedded demo cloud: a fake Biosphère portal and fake OpenStack sites on 127.0.0.1."""
