"""The domain rules: pure decisions about VMs, sites, quotas, names and text, with no UI, no network,
no cache and no configuration. Screens, widgets and commands all ask them."""
