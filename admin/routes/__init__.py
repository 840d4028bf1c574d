"""One APIRouter per resource; all of them (except the web chat) are mounted under /admin."""

from admin.routes import audit, auth, dashboard, inbox, knowledge, org, phone, rules, tickets

ROUTERS = [auth.router, auth.protected, dashboard.router, inbox.router, tickets.router, knowledge.router, rules.router, org.router, audit.router,
           phone.router]
